package dev.millrace.localstack;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Map;

/** Creates a bucket with one signed {@code PUT /bucket}; shared by s3proxy and MinIO. */
final class S3Buckets {

  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  static void create(S3Server server, String bucket) {
    if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
      throw new IllegalArgumentException("not a valid S3 bucket name: " + bucket);
    }
    URI uri = URI.create(server.endpoint() + "/" + bucket);
    ZonedDateTime now = ZonedDateTime.now();
    String host = uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
    String authorization = SigV4.authorization("PUT", "/" + bucket,
        Map.of("host", host, "x-amz-date", SigV4.amzDate(now), "x-amz-content-sha256", SigV4.EMPTY_SHA256),
        SigV4.EMPTY_SHA256, server.accessKey(), server.secretKey(), server.region(), now);
    HttpRequest request = HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(30))
        .header("x-amz-date", SigV4.amzDate(now))
        .header("x-amz-content-sha256", SigV4.EMPTY_SHA256)
        .header("Authorization", authorization)
        .PUT(HttpRequest.BodyPublishers.noBody())
        .build();
    try {
      HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      boolean alreadyOurs = response.statusCode() == 409 && response.body().contains("BucketAlreadyOwnedByYou");
      if (response.statusCode() / 100 != 2 && !alreadyOurs) {
        throw new LocalStackException("creating bucket " + bucket + " at " + server.endpoint()
            + " answered " + response.statusCode() + ": " + response.body(), null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalStackException("interrupted while creating bucket " + bucket, e);
    } catch (java.io.IOException e) {
      throw new LocalStackException("could not create bucket " + bucket + " at " + server.endpoint(), e);
    }
  }

  private S3Buckets() {}
}
