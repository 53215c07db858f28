package dev.millrace.localstack;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The s3proxy properties file: filesystem backend, signed requests, loopback endpoint. */
final class S3ProxyConfig {

  static Map<String, String> properties(int port, String accessKey, String secretKey, Path data) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("s3proxy.endpoint", "http://" + FreePorts.LOOPBACK + ":" + port);
    // Signed requests as MinIO demands them, so client code that works here works there.
    p.put("s3proxy.authorization", "aws-v2-or-v4");
    p.put("s3proxy.identity", accessKey);
    p.put("s3proxy.credential", secretKey);
    // The MinIO SDK sends headers s3proxy does not know; MinIO ignores them too.
    p.put("s3proxy.ignore-unknown-headers", "true");
    // s3proxy 4.x dropped jclouds' "filesystem" for its own NIO.2 store; "filesystem" is an alias.
    p.put("jclouds.provider", "filesystem-nio2");
    p.put("jclouds.identity", accessKey);
    p.put("jclouds.credential", secretKey);
    p.put("jclouds.filesystem.basedir", data.toString());
    return p;
  }

  private S3ProxyConfig() {}
}
