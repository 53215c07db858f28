package dev.millrace.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.localrun.service.ServiceProcess;
import dev.millrace.localrun.service.ServiceSpec;
import dev.millrace.localstack.LocalStack;
import dev.millrace.localstack.PostgresServer;
import dev.millrace.localstack.S3Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The service images, checked without a Docker engine: each image's configuration read with
 * {@code skopeo inspect}, then its file system unpacked with {@code umoci} and the service started
 * from it (its entrypoint, user, working directory and environment, in a chroot with its own /proc)
 * with the compose environment ({@link ComposeStack}), until all five are ready and carry an event.
 *
 * <p>Runs with {@code -Pimages} (see deploy/README.md, "Images"): the images must have been built.
 */
class ImagesIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Pattern CONTAINER_PORT = Pattern.compile("\\d+:(\\d+)");
  private static final Map<String, JsonNode> CONFIGS = new ConcurrentHashMap<>();

  static ComposeStack stack;
  static Path unpacked;

  static Path image(String service) {
    String module = ComposeFileTest.plan().stream().filter(s -> s.name().equals(service)).findFirst()
        .orElseThrow().module();
    Path tar = ComposeFile.repo().resolve(module).resolve("target/image/" + module + ".tar");
    assertThat(tar).as("the image of " + service + ": build it with -Pimages (deploy/README.md)").isRegularFile();
    return tar;
  }

  /** The image's configuration ({@code config} of the OCI image config), as skopeo reads it. */
  static JsonNode config(String service) {
    return CONFIGS.computeIfAbsent(service, s -> {
      String out = run(List.of("skopeo", "inspect", "--config", "docker-archive:" + image(s)));
      return JSON.readTree(out).path("config");
    });
  }

  private static String run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor(5, TimeUnit.MINUTES)).as(String.join(" ", command)).isTrue();
      assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(command.get(0) + " is not installed (apt-get install skopeo umoci)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    Path home = Path.of(System.getProperty("millrace.deploy.home", "target/compose-run")).toAbsolutePath()
        .resolveSibling("images-run");
    unpacked = Files.createDirectories(home.resolve("rootfs"));
    stack = ComposeStack.start(home, new ImageRunner());
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void everyImageRunsAsANonRootUserAndDeclaresItsPortsVersionAndSource() {
    ComposeFile compose = ComposeFile.load();
    for (String service : ComposeFile.PIPELINE) {
      JsonNode c = config(service);
      assertThat(c.path("User").asString()).as(service + " user").isNotBlank().doesNotStartWith("0").isNotEqualTo("root");
      TreeSet<String> exposed = new TreeSet<>(c.path("ExposedPorts").propertyNames());
      TreeSet<String> published = new TreeSet<>();
      for (String mapping : compose.ports(service)) {
        Matcher m = CONTAINER_PORT.matcher(mapping);
        assertThat(m.matches()).as(mapping).isTrue();
        published.add(m.group(1) + "/tcp");
      }
      assertThat(exposed).as(service + ": the ports compose publishes").isEqualTo(published);
      JsonNode labels = c.path("Labels");
      assertThat(labels.path("org.opencontainers.image.version").asString())
          .isEqualTo(System.getProperty("millrace.version"));
      assertThat(labels.path("org.opencontainers.image.title").asString()).isNotBlank();
      assertThat(labels.has("org.opencontainers.image.source")).isTrue();
      assertThat(c.path("Entrypoint").size()).as(service + " entrypoint").isPositive();
    }
  }

  @Test
  void everyServiceStartsFromItsImageWithTheComposeEnvironmentAndCarriesAnEvent() throws Exception {
    assertThat(stack.services()).hasSize(ComposeFile.PIPELINE.size()).allSatisfy(p -> assertThat(p.ready()).isTrue());
    assertThat(stack.sendOneEventAndSearchIt()).as("the event, enriched, in Elasticsearch").contains("\"count\":1");
  }

  @Test
  void theCurationImageRunsTheJobWithTheComposeEnvironmentAgainstTheInitialisedCatalog() throws Exception {
    Path tar = ComposeFile.repo().resolve("curation/target/image/curation.tar");
    assertThat(tar).as("the curation image: build it with -Pimages (deploy/README.md)").isRegularFile();
    JsonNode c = JSON.readTree(run(List.of("skopeo", "inspect", "--config", "docker-archive:" + tar))).path("config");
    assertThat(c.path("User").asString()).isNotBlank().doesNotStartWith("0");
    assertThat(c.path("Env").toString()).as("Spark's opens are the image's").contains("JDK_JAVA_OPTIONS=--add-opens");

    // The catalog database as compose's postgres-init leaves it, on a real PostgreSQL.
    PostgresServer postgres = LocalStack.postgres();
    PostgresInit init = new PostgresInit(postgres, PostgresInit.dotenv(postgres));
    PostgresInit.Result initialised = init.run();
    assertThat(initialised.exitCode()).as(initialised.output()).isZero();
    S3Server s3 = LocalStack.s3();
    Map<String, String> dotenv = new LinkedHashMap<>(init.withPipelineSecrets());
    dotenv.put("MINIO_ROOT_USER", s3.accessKey());
    dotenv.put("MINIO_ROOT_PASSWORD", s3.secretKey());
    ComposeFile compose = ComposeFile.load();
    Map<String, String> env = new LinkedHashMap<>();
    compose.environment("curation", dotenv).forEach((k, v) ->
        env.put(k, init.map(v).replace("http://minio:9000", s3.endpoint())));
    for (String bucket : List.of(env.get("MILLRACE_CURATION_INPUT_BUCKET"), env.get("MILLRACE_CURATION_CATALOG_WAREHOUSE"))) {
      s3.createBucket(bucket.replaceFirst("^s3://([^/]+).*$", "$1")); // minio-init's work
    }
    env.put("JAVA_TOOL_OPTIONS", "-Xmx1g"); // compose's default is 2 GB; a day without data needs less
    env.put("MILLRACE_CURATION_SPARK_MASTER", "local[1]");
    Path rootfs = unpack("curation", tar);

    // `docker compose run curation run --ds ...`: the image's entrypoint. Spark starts inside it,
    // the job reads the catalog and the lake and finds the day unmarked: exit 3, naming the hours
    // (the day has no data), as the CLI documents.
    Process p = new ProcessBuilder(inImage(c, rootfs, env, List.of("run", "--ds", "2026-01-01")))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(out.lines().filter(l -> !l.contains(" INFO ")).toList().toString()).isEqualTo(3);
    assertThat(out).contains("2026-01-01");

    // The command the compose Airflow image runs (MILLRACE_AIRFLOW_LOCAL_COMMAND), from the same
    // /app but, as in that image, without the curation image's environment (JDK_JAVA_OPTIONS): the
    // command carries Spark's opens itself, and the same day ends the same way.
    String command = compose.rawEnvironment("airflow-scheduler").get("MILLRACE_AIRFLOW_LOCAL_COMMAND");
    ObjectNode airflow = (ObjectNode) c.deepCopy();
    airflow.set("Entrypoint", JSON.createArrayNode().add(command));
    ArrayNode imageEnv = JSON.createArrayNode();
    c.path("Env").forEach(e -> {
      if (!e.asString().startsWith("JDK_JAVA_OPTIONS=")) {
        imageEnv.add(e);
      }
    });
    airflow.set("Env", imageEnv);
    Process job = new ProcessBuilder(inImage(airflow, rootfs, env, List.of("run", "--ds", "2026-01-01")))
        .redirectErrorStream(true).start();
    String jobOut = new String(job.getInputStream().readAllBytes());
    assertThat(job.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(job.exitValue()).as(jobOut.lines().filter(l -> !l.contains(" INFO ")).toList().toString())
        .isEqualTo(3);
    assertThat(jobOut).contains("2026-01-01");
  }

  /** An image's file system, unpacked by umoci, with the files a container runtime provides. */
  static Path unpack(String name, Path tar) throws IOException {
    Path oci = unpacked.resolve(name + "-oci");
    Path rootfs = unpacked.resolve(name);
    run(List.of("skopeo", "copy", "-q", "docker-archive:" + tar, "oci:" + oci + ":" + name));
    run(List.of("umoci", "raw", "unpack", "--image", oci + ":" + name, rootfs.toString()));
    // As a runtime writes it: the container's own name resolves (Spark asks for it).
    Files.writeString(rootfs.resolve("etc/hosts"),
        "127.0.0.1 localhost " + java.net.InetAddress.getLocalHost().getHostName() + "\n");
    return rootfs;
  }

  /**
   * The command that runs an image's entrypoint as it would run in a container: as its user, in
   * its working directory, with only the image's environment and {@code env}, in a chroot with a
   * PID namespace and its own /proc. The network is this machine's, as with
   * {@code network_mode: host}, so the local stack is reachable at its addresses.
   */
  static List<String> inImage(JsonNode config, Path rootfs, Map<String, String> env, List<String> args) {
    List<String> command = new ArrayList<>(List.of("unshare", "--fork", "--pid", "--kill-child=SIGTERM",
        "--mount-proc=" + rootfs.resolve("proc"), "chroot", "--userspec=" + config.path("User").asString(),
        rootfs.toString(), "/usr/bin/env", "-i"));
    config.path("Env").forEach(e -> command.add(e.asString()));
    env.forEach((k, v) -> command.add(k + "=" + v));
    command.addAll(List.of("/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", config.path("WorkingDir").asString("/")));
    config.path("Entrypoint").forEach(e -> command.add(e.asString()));
    if (args.isEmpty()) {
      config.path("Cmd").forEach(e -> command.add(e.asString()));
    } else {
      command.addAll(args);
    }
    return command;
  }

  /** Runs each service from its image, with the compose environment. */
  static final class ImageRunner implements ComposeStack.Runner {

    @Override
    public ServiceProcess start(ServiceSpec spec, Path logs) throws IOException {
      JsonNode c = config(spec.name());
      Path rootfs = unpack(spec.name(), image(spec.name()));
      // The compose volumes, owned by the image's user as a named volume's first mount would be.
      for (String value : spec.env().values()) {
        if (value.startsWith("/var/lib/millrace/")) {
          Path dir = Files.createDirectories(rootfs.resolve(value.substring(1)));
          run(List.of("chown", "-R", c.path("User").asString(), dir.toString()));
        }
      }
      return ServiceProcess.run(spec, inImage(c, rootfs, spec.env(), List.of()), logs);
    }

    @Override
    public String volumes(Path volumes) {
      return "/var/lib/millrace/";
    }
  }
}
