package dev.millrace.localrun.stack;

/**
 * Where the infrastructure the services use listens.
 *
 * @param bootstrapServers Kafka {@code host:port}
 * @param elasticsearchUrl e.g. {@code http://127.0.0.1:41234}
 * @param s3Endpoint e.g. {@code http://127.0.0.1:41235}
 */
public record Infra(String bootstrapServers, String elasticsearchUrl, String s3Endpoint, String s3AccessKey,
                    String s3SecretKey, String s3Region) {}
