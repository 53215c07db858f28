package dev.millrace.realtime.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.millrace.enrichment.EnrichmentApplication;
import dev.millrace.enrichment.Enrichments;
import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.EnrichItem;
import dev.millrace.proto.v1.EnrichResult;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Stage;
import dev.millrace.realtime.Events;
import dev.millrace.realtime.RealtimeLoaderApplication;
import dev.millrace.realtime.index.DocumentMapper;
import dev.millrace.realtime.index.Origin;
import dev.millrace.realtime.privacy.DeadLetterPrivacy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One source of truth: the enrichment API and the loader are started with the same environment
 * variables, the way a deployment gives them (one secret and one config map for both), and must
 * read the same enrichment settings from them and pseudonymise alike. If the loader read other
 * keys, another prefix, or bound them differently, the settings or the pseudonyms here would differ.
 */
class EnrichmentConfigSharingTest {

  /** A test value only; a real key is never committed. */
  static final String KEY = "sharing-test-only-key-0123456789abcdef0123456789";

  static Map<String, Object> deployment() {
    Map<String, Object> env = new HashMap<>();
    env.put("MILLRACE_ENRICHMENT_PII_KEY", KEY);
    env.put("MILLRACE_ENRICHMENT_PII_CONTEXTFIELDS_0_", "USER_ID");
    env.put("MILLRACE_ENRICHMENT_PII_CONTEXTFIELDS_1_", "ANONYMOUS_ID");
    env.put("MILLRACE_ENRICHMENT_PII_PAYLOADPATHS_0_", "$.email");
    env.put("MILLRACE_ENRICHMENT_PII_PAYLOADPATHS_1_", "$.user.phone");
    env.put("MILLRACE_ENRICHMENT_PII_PAYLOADPATHSBYTYPE_SIGNUP_0_", "$.name");
    env.put("MILLRACE_ENRICHMENT_PII_ONWRONGTYPE", "NULL_OUT");
    env.put("MILLRACE_ENRICHMENT_IP_IPV4OCTETSKEPT", "2");
    env.put("MILLRACE_ENRICHMENT_IP_IPV6BITSKEPT", "32");
    // Only what this test needs of the API: no user-agent parser to build, any free port.
    env.put("MILLRACE_ENRICHMENT_USERAGENT_MODE", "DISABLED");
    env.put("MILLRACE_ENRICHMENT_BOT_MODE", "DISABLED");
    env.put("MILLRACE_ENRICHMENT_GRPC_PORT", "0");
    env.put("MILLRACE_REALTIME_ELASTICSEARCH_URLS", "http://127.0.0.1:9");
    env.put("LOGGING_LEVEL_ROOT", "WARN");
    env.put("SPRING_MAIN_BANNERMODE", "off");
    return env;
  }

  /** An environment whose only environment variables are {@code variables}. */
  static StandardEnvironment environment(Map<String, Object> variables) {
    StandardEnvironment env = new StandardEnvironment();
    env.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
        new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
    return env;
  }

  static ConfigurableApplicationContext start(SpringApplicationBuilder app, Map<String, Object> variables) {
    return app.web(WebApplicationType.NONE).environment(environment(variables)).run();
  }

  @Test
  void theLoaderReadsTheEnrichmentApisOwnSettingsFromTheSameVariablesAndPseudonymisesAlike() {
    Map<String, Object> variables = deployment();
    try (ConfigurableApplicationContext api = start(EnrichmentApplication.builder(), variables);
         ConfigurableApplicationContext loader = start(RealtimeLoaderApplication.builder(), variables)) {
      EnrichmentConfig apiConfig = api.getBean(EnrichmentConfig.class);

      assertThat(SharedEnrichmentConfig.bind(loader.getEnvironment()))
          .as("the loader binds the very settings the API bound").isEqualTo(apiConfig);
      assertThat(apiConfig.pii().payloadPathsByType()).containsKey("signup");
      assertThat(apiConfig.ip().ipv4OctetsKept()).isEqualTo(2);

      Context context = Context.newBuilder().setUserId("alice-4242").setAnonymousId("device-7")
          .setIp("203.0.113.77").setUserAgent("curl/8.4.0").build();
      String payload = "{\"email\":\"alice@example.com\",\"user\":{\"phone\":\"+44 20 7946 0958\"},"
          + "\"name\":\"Alice Smith\",\"address\":{\"street\":\"1 High St\"},\"sku\":\"KET-1\"}";
      String clientIp = "2001:db8:1234:5678::42";
      EnrichResult expected = api.getBean(Enrichments.class).enrich(EnrichItem.newBuilder().setItemId("1")
          .setEventType("signup").setContext(context).setClientIp(clientIp).setPayloadJson(payload).build());
      assertThat(expected.hasEnrichment()).isTrue();

      Event event = Event.newBuilder().setEventId(Events.eventId(1)).setEventType("signup").setContext(context)
          .setPayloadJson(payload).build();
      CollectorMetadata metadata = CollectorMetadata.newBuilder().setClientIp(clientIp).build();
      DeadLetter deadLetter = DeadLetter.newBuilder().setStage(Stage.STAGE_ENRICHER)
          .setReason(ReasonCode.SCHEMA_VIOLATION).setMetadata(metadata)
          .setOriginal(RawEvent.newBuilder().setEvent(event).setMetadata(metadata).build().toByteString())
          .build();
      DocumentMapper mapper = loader.getBean(DocumentMapper.class);
      byte[] source = mapper.deadLetter(deadLetter, new Origin("dl", 0, 1, 0, "")).source();
      JsonNode doc = JsonMapper.builder().build().readTree(source);

      assertThat(loader.getBean(DeadLetterPrivacy.class).showsOriginals()).isTrue();
      assertThat(doc.at("/original_event/context/user_id").asString())
          .isEqualTo(expected.getPseudonymizedContext().getUserId());
      assertThat(doc.at("/original_event/context/anonymous_id").asString())
          .isEqualTo(expected.getPseudonymizedContext().getAnonymousId());
      assertThat(doc.at("/original_event/context/ip").asString()).isEqualTo(expected.getPseudonymizedContext().getIp());
      assertThat(doc.at("/original_event/payload"))
          .isEqualTo(JsonMapper.builder().build().readTree(expected.getPseudonymizedPayloadJson()));
      assertThat(doc.at("/metadata/client_ip").asString()).isEqualTo(expected.getAnonymizedClientIp());
      assertThat(new String(source, StandardCharsets.UTF_8))
          .doesNotContain("alice-4242", "device-7", "203.0.113.77", "alice@example.com", "7946", "Alice Smith",
              clientIp, ByteString.copyFromUtf8(KEY).toStringUtf8());
    }
  }

  @Test
  void withoutTheKeyTheLoaderStartsButShowsNoOriginal() {
    Map<String, Object> variables = deployment();
    variables.remove("MILLRACE_ENRICHMENT_PII_KEY");
    try (ConfigurableApplicationContext loader = start(RealtimeLoaderApplication.builder(), variables)) {
      DeadLetterPrivacy privacy = loader.getBean(DeadLetterPrivacy.class);

      assertThat(privacy.showsOriginals()).isFalse();
      assertThat(privacy.description()).contains("millrace.enrichment.pii.key is not set");
      assertThat(privacy.ip("203.0.113.77")).as("the IP settings still apply").isEqualTo("203.0.0.0");
    }
  }

  @Test
  void theKeyNeverAppearsInWhatTheLoaderSaysAboutItsSettings() {
    DeadLetterPrivacy privacy = SharedEnrichmentConfig.privacy(environment(deployment()));

    assertThat(privacy.description()).doesNotContain(KEY).contains("key=(set)");
    assertThat(privacy.toString()).doesNotContain(KEY);
  }
}
