package dev.millrace.enrichment.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.enrichment.useragent.SharedParser;
import dev.millrace.enrichment.useragent.UserAgentParser;
import dev.millrace.proto.v1.BotScore;
import dev.millrace.proto.v1.Context;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BotScorerTest {

  private static final Context BROWSING = Context.newBuilder()
      .setReferrer("https://www.google.com/").setLocale("en-GB")
      .setPageUrl("https://shop.example/").build();

  private final UserAgentParser parser = SharedParser.get();
  private final BotModel model = BotModel.load("");
  private final BotScorer scorer = new BotScorer(model);

  @ParameterizedTest
  @ValueSource(strings = {
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36"
  })
  void aBrowserVisitIsNotABot(String userAgent) {
    BotScore score = scorer.score(parser.parse(userAgent), BROWSING);

    assertThat(score.getIsBot()).isFalse();
    assertThat(score.getScore()).isLessThan(0.1);
    assertThat(score.getModelVersion()).isEqualTo(model.version());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
      "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
      "curl/8.4.0",
      "python-requests/2.31.0",
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.6367.60 Safari/537.36"
  })
  void crawlersAndToolsAreBots(String userAgent) {
    BotScore score = scorer.score(parser.parse(userAgent), BROWSING);

    assertThat(score.getIsBot()).isTrue();
    assertThat(score.getScore()).isGreaterThan(0.5);
  }

  @Test
  void noUserAgentAndNoContextIsABot() {
    assertThat(scorer.score(null, Context.getDefaultInstance()).getIsBot()).isTrue();
  }

  @Test
  void theScoreIsTheLogisticOfTheWeightedFeatures() {
    BotModel simple = BotModel.parse("""
        {"version": "t-1", "intercept": -1.0, "threshold": 0.9,
         "weights": {"no_referrer": 2.0, "no_locale": 0.5}}
        """.getBytes(StandardCharsets.UTF_8), "t.json");

    BotScore score = new BotScorer(simple).score(null, Context.newBuilder().setLocale("de").build());

    assertThat(score.getScore()).isCloseTo(1 / (1 + Math.exp(-1.0)), org.assertj.core.data.Offset.offset(1e-12));
    assertThat(score.getIsBot()).as("0.73 is under the 0.9 threshold").isFalse();
    assertThat(score.getModelVersion()).isEqualTo("t-1");
  }

  @Test
  void aModelWithAnUnknownFeatureIsRefused() {
    assertThatThrownBy(() -> BotModel.parse("""
        {"version": "t", "intercept": 0, "threshold": 0.5, "weights": {"no_referer": 1}}
        """.getBytes(StandardCharsets.UTF_8), "mine.json"))
        .hasMessageStartingWith("bot model mine.json: unknown feature 'no_referer' (known: [");
  }

  @Test
  void aModelWithoutVersionIsRefused() {
    assertThatThrownBy(() -> BotModel.parse("""
        {"intercept": 0, "threshold": 0.5, "weights": {}}
        """.getBytes(StandardCharsets.UTF_8), "mine.json"))
        .hasMessage("bot model mine.json needs a 'version'");
  }
}
