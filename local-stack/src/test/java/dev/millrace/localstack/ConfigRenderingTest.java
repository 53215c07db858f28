package dev.millrace.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
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

  private static Properties load(String text) throws Exception {
    Properties p = new Properties();
    p.load(new StringReader(text));
    return p;
  }
}
