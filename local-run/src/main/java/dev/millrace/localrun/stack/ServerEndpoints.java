package dev.millrace.localrun.stack;

/**
 * Where the running backing servers the services use (Kafka, Elasticsearch, S3) listen, and the
 * S3 credentials.
 *
 * @param bootstrapServers Kafka {@code host:port}
 * @param elasticsearchUrl e.g. {@code http://127.0.0.1:41234}
 * @param s3Endpoint e.g. {@code http://127.0.0.1:41235}
 */
public record ServerEndpoints(String bootstrapServers, String elasticsearchUrl, String s3Endpoint, String s3AccessKey,
                              String s3SecretKey, String s3Region) {}
