package dev.millrace.collector.testing;

import dev.millrace.collector.compat.segment.SegmentDecoder;
import dev.millrace.collector.compat.segment.SegmentIngest;
import dev.millrace.collector.compat.snowplow.SnowplowDecoder;
import dev.millrace.collector.compat.snowplow.SnowplowIngest;
import dev.millrace.collector.ingest.AllowedOrigins;
import dev.millrace.collector.ingest.CorsFilter;
import dev.millrace.collector.ingest.HttpIngest;
import dev.millrace.collector.auth.WriteKeys;
import dev.millrace.collector.config.CollectorProperties;
import dev.millrace.collector.ingest.ClientIps;
import dev.millrace.collector.ingest.GrpcAuth;
import dev.millrace.collector.ingest.GrpcDefinition;
import dev.millrace.collector.ingest.GrpcIngest;
import dev.millrace.collector.ingest.IngestMetrics;
import dev.millrace.collector.ingest.Ingestion;
import dev.millrace.collector.ingest.OpenApiDocument;
import dev.millrace.collector.ingest.RestIngest;
import dev.millrace.collector.memory.MemoryBudget;
import dev.millrace.collector.validate.EventValidator;
import dev.millrace.collector.validate.JsonEventDecoder;
import io.grpc.ServerServiceDefinition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/** The collector's edges wired by hand around a {@link FakeSink}: no server, no Kafka. */
public final class TestCollector {

  public final CollectorProperties props;
  public final FakeSink sink = new FakeSink();
  public final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  public final MemoryBudget budget;
  public final EventValidator validator;
  public final HttpIngest http;
  public final RestIngest rest;
  public final SegmentIngest segment;
  public final SnowplowIngest snowplow;
  public final ServerServiceDefinition grpc;

  public TestCollector() {
    this(Fixtures.properties());
  }

  public TestCollector(CollectorProperties props) {
    this.props = props;
    budget = new MemoryBudget(props.memoryBudget().toBytes());
    validator = new EventValidator(props.limits(), Fixtures.CLOCK);
    IngestMetrics metrics = new IngestMetrics(registry, sink, budget);
    Ingestion ingestion = new Ingestion(props, sink, metrics);
    WriteKeys keys = new WriteKeys(props.writeKeys());
    ClientIps ips = new ClientIps(props.trustedProxies());
    http = new HttpIngest(keys, new AllowedOrigins(props.cors().allowedOrigins()), ingestion, ips, metrics,
        Fixtures.CLOCK, props.retryAfter(), budget);
    rest = new RestIngest(http, new JsonEventDecoder(validator), props.limits().maxBodyBytes().toBytes());
    segment = new SegmentIngest(http, new SegmentDecoder(validator, props.segment()),
        Math.min(props.segment().maxBatchBytes().toBytes(), props.limits().maxBodyBytes().toBytes()));
    snowplow = new SnowplowIngest(http, new SnowplowDecoder(validator), props.snowplow().appIds(),
        props.limits().maxBodyBytes().toBytes());
    grpc = GrpcDefinition.of(new GrpcIngest(validator, ingestion, metrics, Fixtures.CLOCK, budget,
        props.grpc().maxInboundMessageBytes().toBytes(), props.grpc().streamWindow().toBytes()),
        new GrpcAuth(keys, ips));
  }

  public MockMvc mockMvc() {
    return MockMvcBuilders.standaloneSetup(rest, segment, snowplow, new OpenApiDocument())
        .addFilters(new CorsFilter(new AllowedOrigins(props.cors().allowedOrigins()))).build();
  }
}
