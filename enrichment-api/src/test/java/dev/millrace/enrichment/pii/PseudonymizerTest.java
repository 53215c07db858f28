package dev.millrace.enrichment.pii;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.enrichment.ItemFailure;
import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.enrichment.config.EnrichmentConfig.ContextField;
import dev.millrace.enrichment.config.EnrichmentConfig.OnWrongType;
import dev.millrace.enrichment.config.EnrichmentSwitch;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.EnrichErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class PseudonymizerTest {

  private static final String KEY = "test-key-0123456789-abcdefghijklmnop";

  private static Pseudonymizer pseudonymizer(OnWrongType onWrongType, String... paths) {
    return new Pseudonymizer(new EnrichmentConfig.Pii(EnrichmentSwitch.ENABLED, KEY,
        List.of(ContextField.USER_ID, ContextField.ANONYMOUS_ID), List.of(paths),
        Map.of("signup", List.of("$.form.phone")), onWrongType, null));
  }

  private static String hmac(String key, String value) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void aPseudonymIsTheHmacSha256OfTheValueUnderTheKey() throws Exception {
    Pseudonymizer pii = pseudonymizer(OnWrongType.FAIL_ITEM);

    assertThat(pii.pseudonym("alice@example.com")).isEqualTo(hmac(KEY, "alice@example.com"))
        .hasSize(64).doesNotContain("alice");
  }

  @Test
  void anIdSeenAgainIsAnsweredFromTheCacheAndEveryAnswerIsTheHmac() throws Exception {
    Pseudonymizer pii = new Pseudonymizer(new EnrichmentConfig.Pii(EnrichmentSwitch.ENABLED, KEY, null, null, null, null, 50));

    for (int i = 0; i < 2_000; i++) {
      String id = "user-" + (i % 120);
      Context.Builder context = Context.newBuilder().setUserId(id);
      pii.pseudonymizeContext(context);
      assertThat(context.getUserId()).as(id).isEqualTo(hmac(KEY, id));
    }

    assertThat(pii.cache()).hasValueSatisfying(cache -> {
      cache.cleanUp();
      assertThat(cache.estimatedSize()).isLessThanOrEqualTo(50);
      assertThat(cache.stats().hitCount()).isPositive();
    });
    assertThat(new Pseudonymizer(new EnrichmentConfig.Pii(EnrichmentSwitch.ENABLED, KEY, null, null, null, null, 0)).cache())
        .isEmpty();
  }

  @Test
  void anotherKeyGivesAnotherPseudonym() {
    Pseudonymizer other = new Pseudonymizer(new EnrichmentConfig.Pii(EnrichmentSwitch.ENABLED,
        KEY + "-rotated", null, null, null, null, null));

    assertThat(other.pseudonym("u-42")).isNotEqualTo(pseudonymizer(OnWrongType.FAIL_ITEM).pseudonym("u-42"));
  }

  @Test
  void replacesTheConfiguredContextFieldsAndLeavesEmptyOnesEmpty() {
    Pseudonymizer pii = pseudonymizer(OnWrongType.FAIL_ITEM);
    Context.Builder context = Context.newBuilder().setUserId("u-42").setLocale("en-GB");

    pii.pseudonymizeContext(context);

    assertThat(context.getUserId()).isEqualTo(pii.pseudonym("u-42"));
    assertThat(context.getAnonymousId()).isEmpty();
    assertThat(context.getLocale()).isEqualTo("en-GB");
  }

  @Test
  void replacesStringsAndNumbersAtThePathsAndKeepsTheRestExact() {
    Pseudonymizer pii = pseudonymizer(OnWrongType.FAIL_ITEM, "$.email", "$.items[*].buyer", "$.phone");
    String payload = "{\"email\":\"alice@example.com\",\"phone\":441632960961,"
        + "\"items\":[{\"buyer\":\"bob\",\"price\":12.50},{\"price\":1E+400}],"
        + "\"big\":123456789012345678901234567890}";

    String out = pii.pseudonymizePayload("purchase", payload);

    assertThat(out).isEqualTo("{\"email\":\"" + pii.pseudonym("alice@example.com") + "\","
        + "\"phone\":\"" + pii.pseudonym("441632960961") + "\","
        + "\"items\":[{\"buyer\":\"" + pii.pseudonym("bob") + "\",\"price\":12.50},{\"price\":1E+400}],"
        + "\"big\":123456789012345678901234567890}");
  }

  @Test
  void absentPathsAndNullsLeaveThePayloadByteForByte() {
    Pseudonymizer pii = pseudonymizer(OnWrongType.FAIL_ITEM, "$.email", "$.user.name", "$.items[3].x");
    String payload = "{ \"user\" : null,\n  \"email\": null, \"items\": [1, 2] }";

    assertThat(pii.pseudonymizePayload("page_view", payload)).isSameAs(payload);
  }

  @Test
  void typeSpecificPathsAddToTheCommonOnes() {
    Pseudonymizer pii = pseudonymizer(OnWrongType.FAIL_ITEM, "$.email");

    String out = pii.pseudonymizePayload("signup", "{\"email\":\"a@b.c\",\"form\":{\"phone\":\"+44 1632\"}}");

    assertThat(out).contains(pii.pseudonym("a@b.c")).contains(pii.pseudonym("+44 1632"))
        .doesNotContain("+44 1632");
  }

  @Test
  void aWrongTypeFailsTheItemNamingThePathButNotTheValue() {
    Pseudonymizer pii = pseudonymizer(OnWrongType.FAIL_ITEM, "$.email");

    assertThatThrownBy(() -> pii.pseudonymizePayload("x", "{\"email\":{\"home\":\"alice@example.com\"}}"))
        .isInstanceOfSatisfying(ItemFailure.class, f -> {
          assertThat(f.code()).isEqualTo(EnrichErrorCode.ENRICH_ERROR_CODE_INVALID_INPUT);
          assertThat(f.reason()).isEqualTo("pii_wrong_type");
        })
        .hasMessage("payload field $.email is an object, not a string or number")
        .message().doesNotContain("alice");
  }

  @Test
  void aWrongTypeCanBeNulledOutInstead() {
    Pseudonymizer pii = pseudonymizer(OnWrongType.NULL_OUT, "$.email", "$.ok");

    assertThat(pii.pseudonymizePayload("x", "{\"email\":[\"a@b.c\"],\"ok\":true,\"n\":1}"))
        .isEqualTo("{\"email\":null,\"ok\":null,\"n\":1}");
  }

  @Test
  void aPayloadThatIsNotAnObjectFailsTheItem() {
    Pseudonymizer pii = pseudonymizer(OnWrongType.FAIL_ITEM, "$.email");

    assertThatThrownBy(() -> pii.pseudonymizePayload("x", "[1,2]"))
        .hasMessage("payload_json is not a JSON object");
    assertThatThrownBy(() -> pii.pseudonymizePayload("x", "{\"email\": \"a@b.c\""))
        .isInstanceOf(ItemFailure.class).hasMessageStartingWith("payload_json is not valid JSON");
    assertThatThrownBy(() -> pii.pseudonymizePayload("x", "{\"a\":1,\"a\":2}"))
        .isInstanceOf(ItemFailure.class).hasMessageStartingWith("payload_json is not valid JSON");
  }

  @Test
  void aFieldNameWrittenWithEscapesIsStillFound() {
    Pseudonymizer pii = pseudonymizer(OnWrongType.FAIL_ITEM, "$.email");

    // The key written with an escape for its "a": a payload that never spells the name out is still parsed.
    String out = pii.pseudonymizePayload("x", "{\"em\\u0061il\":\"alice@example.com\"}");

    assertThat(out).isEqualTo("{\"email\":\"" + pii.pseudonym("alice@example.com") + "\"}");
  }

  @Test
  void aPayloadWithoutTheFieldsIsStillCheckedToBeOneObject() {
    Pseudonymizer pii = pseudonymizer(OnWrongType.FAIL_ITEM, "$.email", "$.items[*].buyer");

    // None of these spells out "email" or "buyer", so none is parsed into a tree: each must still
    // fail exactly as a parse would, and a good one come back as the same string.
    String good = "{\"method\":\"sso\",\"n\":1E+400,\"nested\":{\"a\":[1,{\"b\":null}]}}";
    assertThat(pii.pseudonymizePayload("x", good)).isSameAs(good);
    for (String notObject : List.of("[1,2]", "\"text\"", "42", "   ")) {
      assertThatThrownBy(() -> pii.pseudonymizePayload("x", notObject)).as(notObject)
          .isInstanceOfSatisfying(ItemFailure.class, f -> assertThat(f.reason()).isEqualTo("payload_not_object"));
    }
    for (String notJson : List.of("{\"a\":1,\"a\":2}", "{\"a\":1} {\"b\":2}", "{\"a\":1} x", "{\"a\":",
        "{\"a\":1]", "[1,", "{'a':1}", "{\"a\":01}")) {
      assertThatThrownBy(() -> pii.pseudonymizePayload("x", notJson)).as(notJson)
          .isInstanceOfSatisfying(ItemFailure.class, f -> assertThat(f.reason()).isEqualTo("payload_not_json"))
          .hasMessageStartingWith("payload_json is not valid JSON (line 1, column ");
    }
  }

  @Test
  void aFieldNameThatOnlyAppearsAsAValueLeavesThePayloadAsItCame() {
    Pseudonymizer pii = pseudonymizer(OnWrongType.FAIL_ITEM, "$.email");
    String payload = "{\"method\": \"email\",  \"plan\":\"free\"}";

    assertThat(pii.pseudonymizePayload("signup", payload)).isSameAs(payload);
  }

  @Test
  void theKeyNeverAppearsInTheConfigsText() {
    EnrichmentConfig.Pii config = new EnrichmentConfig.Pii(EnrichmentSwitch.ENABLED, KEY, null, null, null, null, null);

    assertThat(config.toString()).doesNotContain(KEY).contains("key=(set)");
  }
}
