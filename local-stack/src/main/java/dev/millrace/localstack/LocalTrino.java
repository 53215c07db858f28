package dev.millrace.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Trino 476 (lib/ and two plugins of the server tarball, unpacked by the build), run as a child JVM
 * on a JDK ≥ 24 ({@link TrinoJava}) with its config and catalogs in its per-run folder.
 */
final class LocalTrino extends ProcessServer implements TrinoServer {

  private static final Pattern STARTED = Pattern.compile("\"starting\"\\s*:\\s*false");
  private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]*");

  private final int port = FreePorts.free();
  private final Path home = Distributions.trinoHome();
  private final Path javaHome = TrinoJava.find();
  private final Path config;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final TrinoStatements statements;

  /** A node whose one catalog at start is {@code curated}, the Iceberg connector on {@code curated}. */
  LocalTrino(Path folder, IcebergCatalog curated) {
    super("trino", folder);
    this.config = folder.resolve("etc").resolve("config.properties");
    this.statements = new TrinoStatements(url());
    try {
      Path catalogs = Files.createDirectories(folder.resolve("etc").resolve("catalog"));
      Files.writeString(config, PropertiesFile.render(TrinoConfig.serverProperties(port,
          UUID.randomUUID().toString(), home.resolve("plugin"))));
      Files.writeString(catalogs.resolve(curated.name() + ".properties"),
          PropertiesFile.render(curated.trinoProperties()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String url() {
    return "http://" + FreePorts.LOOPBACK + ":" + port;
  }

  @Override
  public String jdbcUrl() {
    return "jdbc:trino://" + FreePorts.LOOPBACK + ":" + port;
  }

  @Override
  public synchronized void createCatalog(String name, String connector, Map<String, String> properties) {
    // Plain identifiers: Trino does not resolve a quoted connector name.
    if (!NAME.matcher(name).matches() || !NAME.matcher(connector).matches()) {
      throw new IllegalArgumentException("catalog and connector names are lower case letters, digits and _: "
          + name + ", " + connector);
    }
    if (Files.exists(folder.resolve("etc").resolve("catalog").resolve(name + ".properties"))) {
      return; // created before, maybe by a previous start: the file store keeps it
    }
    StringJoiner with = new StringJoiner(", ", " WITH (", ")");
    with.setEmptyValue("");
    properties.forEach((k, v) -> with.add(TrinoStatements.identifier(k) + " = " + TrinoStatements.literal(v)));
    try {
      statements.execute("CREATE CATALOG " + name + " USING " + connector + with);
    } catch (TrinoStatements.Failed e) {
      if (!"ALREADY_EXISTS".equals(e.errorName)) {
        throw e;
      }
    }
  }

  @Override
  protected List<String> command() {
    return TrinoConfig.command(javaHome, home, config);
  }

  /** {@code /v1/info} answers while the node is still loading plugins and catalogs; "starting":false is ready. */
  @Override
  protected boolean ready() throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url() + "/v1/info"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    return response.statusCode() == 200 && STARTED.matcher(response.body()).find();
  }

  @Override
  protected Duration startTimeout() {
    return Duration.ofSeconds(180);
  }
}
