package dev.millrace.localstack;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The broker's {@code server.properties}: one node, KRaft combined mode, everything RF 1. */
final class KafkaConfig {

  static Map<String, String> serverProperties(int brokerPort, int controllerPort, Path dataDir) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@" + FreePorts.LOOPBACK + ":" + controllerPort);
    p.put("listeners", "PLAINTEXT://" + FreePorts.LOOPBACK + ":" + brokerPort
        + ",CONTROLLER://" + FreePorts.LOOPBACK + ":" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://" + FreePorts.LOOPBACK + ":" + brokerPort);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
    p.put("log.dirs", dataDir.toString());
    p.put("num.partitions", "1");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    // One broker: internal topics cannot have the default replication factor of 3. Without the
    // transaction log settings InitProducerId times out and exactly-once never starts.
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "5");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "5");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    // Tests start consumers one after another; the default 3 s delay only slows them down.
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "true");
    return p;
  }

  private KafkaConfig() {}
}
