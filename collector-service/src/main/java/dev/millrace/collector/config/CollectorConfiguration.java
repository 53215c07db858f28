package dev.millrace.collector.config;

import dev.millrace.collector.auth.WriteKeys;
import dev.millrace.collector.compat.segment.SegmentDecoder;
import dev.millrace.collector.compat.segment.SegmentIngest;
import dev.millrace.collector.compat.snowplow.SnowplowDecoder;
import dev.millrace.collector.compat.snowplow.SnowplowIngest;
import dev.millrace.collector.ingest.AllowedOrigins;
import dev.millrace.collector.ingest.ClientIps;
import dev.millrace.collector.ingest.GrpcAuth;
import dev.millrace.collector.ingest.GrpcDefinition;
import dev.millrace.collector.ingest.GrpcIngest;
import dev.millrace.collector.ingest.GrpcServer;
import dev.millrace.collector.ingest.CorsFilter;
import dev.millrace.collector.ingest.HttpIngest;
import dev.millrace.collector.ingest.IngestMetrics;
import dev.millrace.collector.ingest.Ingestion;
import dev.millrace.collector.ingest.OpenApiDocument;
import dev.millrace.collector.ingest.RestIngest;
import dev.millrace.collector.memory.MemoryBudget;
import dev.millrace.collector.sink.EventSink;
import dev.millrace.collector.sink.KafkaClients;
import dev.millrace.collector.sink.KafkaHealthIndicator;
import dev.millrace.collector.sink.KafkaProbe;
import dev.millrace.collector.sink.KafkaSink;
import dev.millrace.collector.validate.EventValidator;
import dev.millrace.collector.validate.JsonEventDecoder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the collector: every bean is built here from the one validated config record. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(CollectorProperties.class)
public class CollectorConfiguration {

  @Bean
  Clock collectorClock() {
    return Clock.systemUTC();
  }

  @Bean
  WriteKeys writeKeys(CollectorProperties props) {
    return new WriteKeys(props.writeKeys());
  }

  @Bean
  ClientIps clientIps(CollectorProperties props) {
    return new ClientIps(props.trustedProxies());
  }

  @Bean
  EventValidator eventValidator(CollectorProperties props, Clock clock) {
    return new EventValidator(props.limits(), clock);
  }

  @Bean
  JsonEventDecoder jsonEventDecoder(EventValidator validator) {
    return new JsonEventDecoder(validator);
  }

  @Bean(destroyMethod = "close")
  KafkaProbe kafkaProbe(CollectorProperties props) {
    KafkaProbe probe = new KafkaProbe(KafkaClients.admin(props), props.kafkaProbeInterval());
    probe.start();
    return probe;
  }

  @Bean("kafka")
  KafkaHealthIndicator kafkaHealthIndicator(KafkaProbe probe) {
    return new KafkaHealthIndicator(probe);
  }

  /** Closed after the servers stopped: flushing waits for the acks of what is still in flight. */
  @Bean(destroyMethod = "close")
  KafkaSink kafkaSink(CollectorProperties props, KafkaProbe probe) {
    return new KafkaSink(KafkaClients.producer(props), props.maxInFlightBytes().toBytes(), probe::reachable);
  }

  /** The one budget for everything both edges hold on behalf of requests. */
  @Bean
  MemoryBudget memoryBudget(CollectorProperties props) {
    return new MemoryBudget(props.memoryBudget().toBytes());
  }

  @Bean
  IngestMetrics ingestMetrics(MeterRegistry registry, EventSink sink, MemoryBudget budget) {
    return new IngestMetrics(registry, sink, budget);
  }

  @Bean
  Ingestion ingestion(CollectorProperties props, EventSink sink, IngestMetrics metrics) {
    return new Ingestion(props, sink, metrics);
  }

  @Bean
  AllowedOrigins allowedOrigins(CollectorProperties props) {
    return new AllowedOrigins(props.cors().allowedOrigins());
  }

  @Bean
  CorsFilter corsFilter(AllowedOrigins origins) {
    return new CorsFilter(origins);
  }

  @Bean
  HttpIngest httpIngest(CollectorProperties props, WriteKeys writeKeys, AllowedOrigins origins,
                        Ingestion ingestion, ClientIps clientIps, IngestMetrics metrics, Clock clock,
                        MemoryBudget budget) {
    return new HttpIngest(writeKeys, origins, ingestion, clientIps, metrics, clock, props.retryAfter(), budget);
  }

  @Bean
  RestIngest restIngest(CollectorProperties props, HttpIngest ingest, JsonEventDecoder decoder) {
    return new RestIngest(ingest, decoder, props.limits().maxBodyBytes().toBytes());
  }

  @Bean
  SegmentIngest segmentIngest(CollectorProperties props, HttpIngest ingest, EventValidator validator) {
    return new SegmentIngest(ingest, new SegmentDecoder(validator, props.segment()),
        Math.min(props.segment().maxBatchBytes().toBytes(), props.limits().maxBodyBytes().toBytes()));
  }

  @Bean
  SnowplowIngest snowplowIngest(CollectorProperties props, HttpIngest ingest, EventValidator validator) {
    return new SnowplowIngest(ingest, new SnowplowDecoder(validator), props.snowplow().appIds(),
        props.limits().maxBodyBytes().toBytes());
  }

  @Bean
  OpenApiDocument openApiDocument() {
    return new OpenApiDocument();
  }

  @Bean
  HealthStatusManager grpcHealth() {
    return new HealthStatusManager();
  }

  @Bean
  GrpcServer grpcServer(CollectorProperties props, EventValidator validator, Ingestion ingestion,
                        IngestMetrics metrics, Clock clock, WriteKeys writeKeys, ClientIps clientIps,
                        HealthStatusManager health, KafkaProbe probe, MemoryBudget budget) {
    int maxMessage = (int) Math.min(Integer.MAX_VALUE, props.grpc().maxInboundMessageBytes().toBytes());
    GrpcIngest ingest = new GrpcIngest(validator, ingestion, metrics, clock, budget, maxMessage,
        props.grpc().streamWindow().toBytes());
    NettyServerBuilder builder = NettyServerBuilder.forPort(props.grpc().port())
        .maxInboundMessageSize(maxMessage)
        .addService(GrpcDefinition.of(ingest, new GrpcAuth(writeKeys, clientIps)))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance());
    GrpcServer server = new GrpcServer(builder, health, props.grpc().shutdownGrace());
    probe.onChange(state -> server.serving(state != KafkaProbe.State.DOWN));
    return server;
  }
}
