package dev.millrace.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ConfigRenderingTest {

  @Test
  void kafkaRunsAsOneCombinedNodeWhoseInternalTopicsFitOnOneBroker() throws Exception {
    Properties p = load(PropertiesFile.render(KafkaConfig.serverProperties(9092, 9093, Path.of("/d"))));

    assertThat(p.getProperty("process.roles")).isEqualTo("broker,controller");
    assertThat(p.getProperty("controller.quorum.voters")).isEqualTo("1@127.0.0.1:9093");
    assertThat(p.getProperty("listeners"))
        .isEqualTo("PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093");
    assertThat(p.getProperty("advertised.listeners")).isEqualTo("PLAINTEXT://127.0.0.1:9092");
    // Transactions (InitProducerId) and consumer groups need these on a single broker.
    assertThat(p.getProperty("transaction.state.log.replication.factor")).isEqualTo("1");
    assertThat(p.getProperty("transaction.state.log.min.isr")).isEqualTo("1");
    assertThat(p.getProperty("offsets.topic.replication.factor")).isEqualTo("1");
    assertThat(p.getProperty("group.initial.rebalance.delay.ms")).isEqualTo("0");
    assertThat(p.getProperty("log.dirs")).isEqualTo(Path.of("/d").toString());
  }

  @Test
  void renderedPropertiesSurviveBackslashesInPaths() throws Exception {
    Properties p = load(PropertiesFile.render(Map.of("log.dirs", "C:\\tmp\\kafka")));
    assertThat(p.getProperty("log.dirs")).isEqualTo("C:\\tmp\\kafka");
  }

  @Test
  void s3proxyUsesTheFilesystemStoreAndDemandsSignedRequests() throws Exception {
    Properties p = load(PropertiesFile.render(S3ProxyConfig.properties(9000, "ak", "sk", Path.of("/s3"))));

    assertThat(p.getProperty("s3proxy.endpoint")).isEqualTo("http://127.0.0.1:9000");
    assertThat(p.getProperty("s3proxy.authorization")).isEqualTo("aws-v2-or-v4");
    assertThat(p.getProperty("s3proxy.identity")).isEqualTo("ak");
    assertThat(p.getProperty("s3proxy.credential")).isEqualTo("sk");
    assertThat(p.getProperty("s3proxy.ignore-unknown-headers")).isEqualTo("true");
    assertThat(p.getProperty("jclouds.provider")).isEqualTo("filesystem-nio2");
    assertThat(p.getProperty("jclouds.filesystem.basedir")).isEqualTo(Path.of("/s3").toString());
  }

  @Test
  void elasticsearchDropsRootAndBindsLoopbackOnly() {
    Map<String, String> settings = ElasticsearchConfig.settings(9200, 9300, Path.of("/d"), Path.of("/l"));
    List<String> asRoot = ElasticsearchConfig.command(Path.of("/es"), settings, true, 10001);
    List<String> asUser = ElasticsearchConfig.command(Path.of("/es"), settings, false, 10001);

    assertThat(asRoot).startsWith("setpriv", "--reuid=10001", "--regid=10001", "--clear-groups",
        Path.of("/es/bin/elasticsearch").toString());
    assertThat(asUser).first().isEqualTo(Path.of("/es/bin/elasticsearch").toString());
    assertThat(asUser).contains("-Ediscovery.type=single-node", "-Expack.security.enabled=false",
        "-Enetwork.host=127.0.0.1", "-Ehttp.port=9200", "-Etransport.port=9300",
        "-Ecluster.routing.allocation.disk.threshold_enabled=false");
  }

  @Test
  void elasticsearchHeapIsExplicitBecauseItWouldOtherwiseSizeItselfFromTheMachine() {
    Map<String, String> env = ElasticsearchConfig.environment(Path.of("/jdk"), Path.of("/c"),
        Path.of("/t"), Path.of("/f"));
    assertThat(env).containsEntry("ES_JAVA_OPTS", "-Xms512m -Xmx512m")
        .containsEntry("ES_JAVA_HOME", Path.of("/jdk").toString())
        .containsEntry("ES_PATH_CONF", Path.of("/c").toString())
        .containsEntry("ES_TMPDIR", Path.of("/t").toString());
  }

  @Test
  void postgresListensOnLoopbackTcpOnlyWithSmallMemory() {
    Map<String, String> settings = PostgresConfig.settings(5433);
    List<String> command = PostgresConfig.postgres(Path.of("/pg"), Path.of("/d"), settings, List.of());

    assertThat(command).startsWith(Path.of("/pg/bin/postgres").toString(), "-D", Path.of("/d").toString());
    assertThat(command).contains("listen_addresses=127.0.0.1", "port=5433", "unix_socket_directories=",
        "shared_buffers=32MB", "max_connections=50");
  }

  @Test
  void postgresDropsRootToAnAccountFromPasswdAndInitdbSetsAPasswordForTcp() throws Exception {
    Path passwd = Files.writeString(Files.createTempFile("passwd", ""),
        "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
    Unprivileged.Account nobody = Unprivileged.account("nobody", passwd);
    List<String> initdb = PostgresConfig.initdb(Path.of("/pg"), Path.of("/d"), "millrace", Path.of("/pw"),
        Unprivileged.setpriv(nobody));

    assertThat(nobody).isEqualTo(new Unprivileged.Account(65534, 65534));
    assertThat(initdb).startsWith("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
        Path.of("/pg/bin/initdb").toString());
    assertThat(initdb).contains("-U", "millrace", "--pwfile=" + Path.of("/pw"), "-A", "scram-sha-256");
    assertThatThrownBy(() -> Unprivileged.account("postgres", passwd))
        .hasMessageStartingWith("no account postgres in " + passwd);
    Files.delete(passwd);
  }

  @Test
  void trinoIsOneLoopbackNodeWithDynamicCatalogsAndLimitsThatFitItsHeap() throws Exception {
    Properties p = load(PropertiesFile.render(TrinoConfig.serverProperties(8080, "n1", Path.of("/t/plugin"))));
    List<String> command = TrinoConfig.command(Path.of("/jdk"), Path.of("/t"), Path.of("/c/config.properties"));

    assertThat(p.getProperty("coordinator")).isEqualTo("true");
    assertThat(p.getProperty("node-scheduler.include-coordinator")).isEqualTo("true");
    assertThat(p.getProperty("discovery.uri")).isEqualTo("http://127.0.0.1:8080");
    assertThat(p.getProperty("node.bind-ip")).isEqualTo("127.0.0.1");
    assertThat(p.getProperty("catalog.management")).isEqualTo("dynamic");
    assertThat(p.getProperty("plugin.dir")).isEqualTo(Path.of("/t/plugin").toString());
    assertThat(command).startsWith(Path.of("/jdk/bin/java").toString(), "-Xmx1500m");
    assertThat(command).endsWith("-cp", Path.of("/t/lib") + "/*", "io.trino.server.TrinoServer");
    // Query memory plus headroom must stay below the heap, or Trino refuses to start.
    long mb = Long.parseLong(p.getProperty("query.max-memory-per-node").replace("MB", ""))
        + Long.parseLong(p.getProperty("memory.heap-headroom-per-node").replace("MB", ""));
    assertThat(mb).isLessThan(Long.parseLong(TrinoConfig.HEAP.replace("m", "")));
  }

  @Test
  void sparkAndTrinoAreConfiguredFromTheSameCatalogRecord() {
    IcebergCatalog catalog = new IcebergCatalog("curated", "jdbc:postgresql://127.0.0.1:5433/millrace_catalog",
        "millrace", "pw", "s3://millrace-curated/warehouse", "millrace-curated", "http://127.0.0.1:9000",
        "us-east-1", "ak", "sk");

    assertThat(catalog.icebergProperties()).containsEntry("type", "jdbc")
        .containsEntry("uri", catalog.jdbcUrl())
        .containsEntry("jdbc.user", "millrace").containsEntry("jdbc.password", "pw")
        .containsEntry("jdbc.schema-version", "V1")
        .containsEntry("warehouse", "s3://millrace-curated/warehouse")
        .containsEntry("io-impl", "org.apache.iceberg.aws.s3.S3FileIO")
        .containsEntry("s3.endpoint", "http://127.0.0.1:9000").containsEntry("s3.path-style-access", "true")
        .containsEntry("s3.access-key-id", "ak").containsEntry("s3.secret-access-key", "sk")
        .containsEntry("client.region", "us-east-1");
    assertThat(catalog.trinoProperties()).containsEntry("connector.name", "iceberg")
        .containsEntry("iceberg.catalog.type", "jdbc")
        .containsEntry("iceberg.jdbc-catalog.connection-url", catalog.jdbcUrl())
        .containsEntry("iceberg.jdbc-catalog.catalog-name", "curated")
        .containsEntry("iceberg.jdbc-catalog.default-warehouse-dir", "s3://millrace-curated/warehouse")
        .containsEntry("fs.native-s3.enabled", "true")
        .containsEntry("s3.endpoint", "http://127.0.0.1:9000").containsEntry("s3.region", "us-east-1")
        .containsEntry("s3.path-style-access", "true")
        .containsEntry("s3.aws-access-key", "ak").containsEntry("s3.aws-secret-key", "sk");
    assertThatThrownBy(() -> new IcebergCatalog("c", "u", "us", "pw", "s3://other/wh", "millrace-curated",
        "e", "r", "a", "s")).hasMessage("warehouse s3://other/wh is not in bucket millrace-curated");
  }

  private static Properties load(String text) throws Exception {
    Properties p = new Properties();
    p.load(new StringReader(text));
    return p;
  }
}
