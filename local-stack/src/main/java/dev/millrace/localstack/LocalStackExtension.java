package dev.millrace.localstack;

import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves constructor, lifecycle-method and test-method parameters of type {@link KafkaServer},
 * {@link ElasticsearchServer}, {@link S3Server}, {@link PostgresServer} and {@link TrinoServer},
 * starting only the servers a test asks for (a {@code TrinoServer} has the {@code curated} catalog;
 * call {@link LocalStack#trinoWithRealtime()} for the {@code realtime} one).
 * The servers are shared by every test class in the JVM and stopped, with their files removed,
 * when the test run ends (the root context's store closes).
 *
 * <pre>{@code
 * @ExtendWith(LocalStackExtension.class)
 * class SinkIT {
 *   @Test void writes(KafkaServer kafka, S3Server s3) { ... }
 * }
 * }</pre>
 */
public final class LocalStackExtension implements ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(LocalStackExtension.class);

  private static final Map<Class<?>, Supplier<?>> SERVERS = Map.of(
      KafkaServer.class, LocalStack::kafka,
      ElasticsearchServer.class, LocalStack::elasticsearch,
      S3Server.class, LocalStack::s3,
      PostgresServer.class, LocalStack::postgres,
      TrinoServer.class, LocalStack::trino);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return SERVERS.containsKey(parameter.getParameter().getType());
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    // The root store is closed once, after the last test of the run in this JVM.
    context.getRoot().getStore(NAMESPACE).computeIfAbsent(Shutdown.class, k -> new Shutdown(), Shutdown.class);
    return SERVERS.get(parameter.getParameter().getType()).get();
  }

  /** Closed by JUnit with the root store. */
  private static final class Shutdown implements AutoCloseable {
    @Override
    public void close() {
      LocalStack.shutdown();
    }
  }
}
