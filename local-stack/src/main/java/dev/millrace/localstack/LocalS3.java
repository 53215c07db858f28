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

/** s3proxy 4.1 with its filesystem backend, run as a child JVM. */
final class LocalS3 extends ProcessServer implements S3Server {

  static final String ACCESS_KEY = "millrace";
  static final String SECRET_KEY = "millrace-secret";
  static final String REGION = "us-east-1";

  private final int port = FreePorts.free();
  private final Path properties;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  LocalS3(Path folder) {
    super("s3", folder);
    this.properties = folder.resolve("s3proxy.conf");
    try {
      Path data = Files.createDirectories(folder.resolve("data"));
      Files.writeString(properties,
          PropertiesFile.render(S3ProxyConfig.properties(port, ACCESS_KEY, SECRET_KEY, data)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String endpoint() {
    return "http://" + FreePorts.LOOPBACK + ":" + port;
  }

  @Override
  public String accessKey() {
    return ACCESS_KEY;
  }

  @Override
  public String secretKey() {
    return SECRET_KEY;
  }

  @Override
  public String region() {
    return REGION;
  }

  @Override
  public void createBucket(String name) {
    S3Buckets.create(this, name);
  }

  @Override
  protected List<String> command() {
    return List.of(Distributions.java(), "-Xmx256m", "-Djava.awt.headless=true",
        "-jar", Distributions.s3proxyJar().toString(), "--properties", properties.toString());
  }

  /** Any HTTP answer (an unsigned request gets 403) means the endpoint is up. */
  @Override
  protected boolean ready() throws Exception {
    http.send(HttpRequest.newBuilder(URI.create(endpoint() + "/")).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.discarding());
    return true;
  }

  @Override
  protected Duration startTimeout() {
    return Duration.ofSeconds(90);
  }
}
