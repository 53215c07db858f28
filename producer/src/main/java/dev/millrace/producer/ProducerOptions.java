package dev.millrace.producer;

import dev.millrace.producer.run.LoadRun;
import dev.millrace.producer.send.EventSender;
import dev.millrace.producer.send.GrpcSender;
import dev.millrace.producer.send.RestSender;
import dev.millrace.producer.traffic.EventMix;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a producer run needs, validated.
 *
 * @param restUrls collector base URLs for REST, e.g. http://localhost:8080
 * @param grpcTargets collector gRPC targets, e.g. localhost:9090
 * @param transport which of them to use
 * @param writeKey the write key sent with every request
 * @param load rate, count/duration, batch size and concurrency
 * @param mix event types, invalid and duplicate shares
 * @param compression REST body compression
 * @param grpcMode which gRPC call carries a batch
 * @param seed the generator's seed; the same seed gives the same events
 * @param timeout per-request deadline
 */
public record ProducerOptions(List<URI> restUrls, List<String> grpcTargets, Transport transport, String writeKey,
                              LoadRun.Settings load, EventMix mix, RestSender.Compression compression,
                              GrpcSender.Mode grpcMode, long seed, Duration timeout) {

  /** Which collector APIs a run uses. */
  public enum Transport { REST, GRPC, BOTH }

  public ProducerOptions {
    if (writeKey == null || writeKey.isBlank()) {
      throw new IllegalArgumentException("a write key is required (--write-key or MILLRACE_WRITE_KEY)");
    }
    if (transport != Transport.GRPC && restUrls.isEmpty()) {
      throw new IllegalArgumentException("transport " + transport + " needs at least one --rest-url");
    }
    if (transport != Transport.REST && grpcTargets.isEmpty()) {
      throw new IllegalArgumentException("transport " + transport + " needs at least one --grpc-target");
    }
    for (URI url : restUrls) {
      if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
        throw new IllegalArgumentException("--rest-url must be an http(s) URL, was " + url);
      }
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("--timeout must be positive, was " + timeout);
    }
    restUrls = List.copyOf(restUrls);
    grpcTargets = List.copyOf(grpcTargets);
  }

  /** One sender per URL/target of the chosen transports; REST and gRPC alternate. */
  public List<EventSender> openSenders() {
    List<EventSender> rest = new ArrayList<>();
    List<EventSender> grpc = new ArrayList<>();
    if (transport != Transport.GRPC) {
      restUrls.forEach(url -> rest.add(new RestSender(url, writeKey, compression, timeout)));
    }
    if (transport != Transport.REST) {
      grpcTargets.forEach(target -> grpc.add(GrpcSender.connect(target, writeKey, grpcMode, timeout)));
    }
    List<EventSender> senders = new ArrayList<>();
    for (int i = 0; i < Math.max(rest.size(), grpc.size()); i++) {
      if (i < rest.size()) senders.add(rest.get(i));
      if (i < grpc.size()) senders.add(grpc.get(i));
    }
    return senders;
  }
}
