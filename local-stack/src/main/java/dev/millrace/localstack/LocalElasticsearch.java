package dev.millrace.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Elasticsearch 8.19 (the integ-test distribution the build unpacked), run as a child process with
 * its config, data, logs and temp dir in its per-run folder.
 */
final class LocalElasticsearch extends ProcessServer implements ElasticsearchServer {

  private final int httpPort = FreePorts.free();
  private final int transportPort = FreePorts.free();
  private final Path home = Distributions.elasticsearchHome();
  private final boolean asRoot = Unprivileged.isRoot();
  private final int uid = Integer.getInteger("millrace.localstack.es-uid", ElasticsearchConfig.DEFAULT_UID);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  LocalElasticsearch(Path folder) {
    super("elasticsearch", folder);
    try {
      copyTree(home.resolve("config"), folder.resolve("config"));
      for (String dir : List.of("data", "logs", "tmp")) {
        Files.createDirectories(folder.resolve(dir));
      }
      if (asRoot) {
        // The process runs as uid; the unpacked distribution only needs to be readable by it.
        Unprivileged.chown(folder, new Unprivileged.Account(uid, uid));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String url() {
    return "http://" + FreePorts.LOOPBACK + ":" + httpPort;
  }

  @Override
  protected List<String> command() {
    return ElasticsearchConfig.command(home, ElasticsearchConfig.settings(httpPort, transportPort,
        folder.resolve("data"), folder.resolve("logs")), asRoot, uid);
  }

  @Override
  protected Map<String, String> environment() {
    return ElasticsearchConfig.environment(Distributions.javaHome(), folder.resolve("config"),
        folder.resolve("tmp"), folder);
  }

  /** {@code GET /} answers 405 on this build; cluster health is the readiness signal. */
  @Override
  protected boolean ready() throws Exception {
    HttpResponse<Void> response = http.send(HttpRequest.newBuilder(
            URI.create(url() + "/_cluster/health?wait_for_status=yellow&timeout=1s"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
    return response.statusCode() == 200;
  }

  @Override
  protected long stopGraceSeconds() {
    return 60;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
