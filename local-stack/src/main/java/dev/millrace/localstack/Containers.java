package dev.millrace.localstack;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports.Binding;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.elasticsearch.ElasticsearchContainer;
import org.testcontainers.kafka.KafkaContainer;

/**
 * {@code -Dmillrace.infra=containers}: the same servers as Testcontainers images. Host ports are
 * fixed at creation (bound on 127.0.0.1) so that a container restarted after stop/kill comes back
 * where clients expect it. Images can be overridden with {@code -Dmillrace.image.kafka=...},
 * {@code ...elasticsearch}, {@code ...minio}, {@code ...postgres}. Trino is not offered here.
 */
final class Containers {

  static KafkaServer kafka() {
    return new ContainerKafka();
  }

  static ElasticsearchServer elasticsearch() {
    return new ContainerElasticsearch();
  }

  static S3Server s3() {
    return new ContainerS3();
  }

  static PostgresServer postgres() {
    return new ContainerPostgres();
  }

  /**
   * Trino's catalogs point at the other servers on 127.0.0.1, which inside a container is the
   * container itself; wiring a network for it has not been worth it yet.
   */
  static TrinoServer trino() {
    throw new LocalStackException("Trino is not supported in containers mode (-Dmillrace.infra=containers);"
        + " run without it: Trino then runs as a child process", null);
  }

  private static String image(String name, String fallback) {
    return System.getProperty("millrace.image." + name, fallback);
  }

  /** Binds {@code containerPort} to a fixed free loopback port; returns that port. */
  private static int bindFixed(GenericContainer<?> container, int containerPort) {
    int hostPort = FreePorts.free();
    container.withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPortBindings(
        new PortBinding(Binding.bindIpAndPort(FreePorts.LOOPBACK, hostPort), ExposedPort.tcp(containerPort))));
    return hostPort;
  }

  /** start = create on first call, docker start afterwards; stop/kill = docker stop/kill. */
  private abstract static class ContainerServer implements Managed {
    protected final GenericContainer<?> container;
    private volatile Duration lastStartup = Duration.ZERO;

    ContainerServer(GenericContainer<?> container) {
      this.container = container;
    }

    protected abstract boolean ready() throws Exception;

    public synchronized void start() {
      long began = System.nanoTime();
      if (container.getContainerId() == null) {
        container.start();
      } else if (!isRunning()) {
        container.getDockerClient().startContainerCmd(container.getContainerId()).exec();
      }
      long deadline = began + TimeUnit.SECONDS.toNanos(180);
      while (true) {
        try {
          if (ready()) {
            break;
          }
        } catch (Exception notYet) {
          // not answering yet
        }
        if (System.nanoTime() > deadline) {
          throw new LocalStackException(container.getDockerImageName() + " was not ready after 180 s;"
              + " its log ends with:\n" + container.getLogs(), null);
        }
        sleep();
      }
      lastStartup = Duration.ofNanos(System.nanoTime() - began);
    }

    public synchronized void stop() {
      if (isRunning()) {
        container.getDockerClient().stopContainerCmd(container.getContainerId()).withTimeout(30).exec();
      }
    }

    public synchronized void kill() {
      if (isRunning()) {
        container.getDockerClient().killContainerCmd(container.getContainerId()).exec();
      }
    }

    public boolean isRunning() {
      String id = container.getContainerId();
      return id != null && Boolean.TRUE.equals(
          container.getDockerClient().inspectContainerCmd(id).exec().getState().getRunning());
    }

    @Override
    public void close() {
      container.stop();
    }

    @Override
    public Duration lastStartup() {
      return lastStartup;
    }

    private static void sleep() {
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LocalStackException("interrupted while waiting for a container", e);
      }
    }
  }

  private static boolean httpOk(String url) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
  }

  private static final class ContainerKafka extends ContainerServer implements KafkaServer {
    private final int port;

    ContainerKafka() {
      super(new KafkaContainer(image("kafka", "apache/kafka:4.2.1"))
          .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
          .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
          .withEnv("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
          .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
          .withEnv("KAFKA_HEAP_OPTS", "-Xmx512m"));
      port = bindFixed(container, 9092);
    }

    @Override
    public String bootstrapServers() {
      return ((KafkaContainer) container).getBootstrapServers();
    }

    @Override
    public void createTopics(int partitions, String... names) {
      LocalKafka.createTopics(bootstrapServers(), partitions, names);
    }

    @Override
    protected boolean ready() throws Exception {
      Properties config = new Properties();
      config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, FreePorts.LOOPBACK + ":" + port);
      try (Admin admin = Admin.create(config)) {
        return !admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).isEmpty();
      }
    }
  }

  private static final class ContainerElasticsearch extends ContainerServer implements ElasticsearchServer {
    private final int port;

    ContainerElasticsearch() {
      super(new ElasticsearchContainer(image("elasticsearch",
              "docker.elastic.co/elasticsearch/elasticsearch:8.19.21"))
          .withEnv("xpack.security.enabled", "false")
          .withEnv("cluster.routing.allocation.disk.threshold_enabled", "false")
          .withEnv("ES_JAVA_OPTS", "-Xms512m -Xmx512m"));
      port = bindFixed(container, 9200);
    }

    @Override
    public String url() {
      return "http://" + FreePorts.LOOPBACK + ":" + port;
    }

    @Override
    protected boolean ready() throws Exception {
      return httpOk(url() + "/_cluster/health?wait_for_status=yellow&timeout=1s");
    }
  }

  private static final class ContainerS3 extends ContainerServer implements S3Server {
    private final int port;

    ContainerS3() {
      super(new MinIOContainer(image("minio", "minio/minio:RELEASE.2025-04-22T22-12-26Z"))
          .withUserName(LocalS3.ACCESS_KEY)
          .withPassword(LocalS3.SECRET_KEY));
      port = bindFixed(container, 9000);
    }

    @Override
    public String endpoint() {
      return "http://" + FreePorts.LOOPBACK + ":" + port;
    }

    @Override
    public String accessKey() {
      return LocalS3.ACCESS_KEY;
    }

    @Override
    public String secretKey() {
      return LocalS3.SECRET_KEY;
    }

    @Override
    public String region() {
      return LocalS3.REGION;
    }

    @Override
    public void createBucket(String name) {
      S3Buckets.create(this, name);
    }

    @Override
    protected boolean ready() throws Exception {
      return httpOk(endpoint() + "/minio/health/ready");
    }
  }

  private static final class ContainerPostgres extends ContainerServer implements PostgresServer {
    private final int port;

    ContainerPostgres() {
      super(new GenericContainer<>(image("postgres", "postgres:14.22"))
          .withEnv("POSTGRES_USER", LocalPostgres.USER)
          .withEnv("POSTGRES_PASSWORD", LocalPostgres.PASSWORD)
          .withEnv("POSTGRES_DB", "postgres")
          .withCommand("postgres", "-c", "shared_buffers=32MB", "-c", "max_connections=50", "-c", "fsync=off"));
      port = bindFixed(container, 5432);
    }

    @Override
    public String jdbcUrl(String database) {
      return "jdbc:postgresql://" + FreePorts.LOOPBACK + ":" + port + "/" + database;
    }

    @Override
    public String user() {
      return LocalPostgres.USER;
    }

    @Override
    public String password() {
      return LocalPostgres.PASSWORD;
    }

    @Override
    public int port() {
      return port;
    }

    @Override
    public void createDatabase(String name) {
      LocalPostgres.createDatabase(this, name);
    }

    @Override
    protected boolean ready() throws Exception {
      try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbcUrl("postgres"), user(), password())) {
        return c.isValid(5);
      }
    }
  }

  private Containers() {}
}
