package dev.millrace.enrichment.bot;

import dev.millrace.enrichment.useragent.ParsedUserAgent;
import dev.millrace.proto.v1.BotScore;
import dev.millrace.proto.v1.Context;
import java.util.Set;

/** Scores an item with a {@link BotModel}. */
public final class BotScorer {

  private static final Set<String> ROBOT_CLASSES =
      Set.of("Robot", "Robot Mobile", "Robot Imitator", "Cloud Application", "Spy");
  private static final Set<String> SPECIAL_CLASSES = Set.of("Special", "Testclient");
  private static final Set<String> UNKNOWN = Set.of("Unknown", "??", "");

  private final BotModel model;

  public BotScorer(BotModel model) {
    this.model = model;
  }

  public String modelVersion() {
    return model.version();
  }

  /**
   * @param userAgent the parsed User-Agent, or null when the item has none
   */
  public BotScore score(ParsedUserAgent userAgent, Context context) {
    boolean[] x = features(userAgent, context);
    double z = model.intercept();
    double[] w = model.weights();
    for (int i = 0; i < x.length; i++) {
      if (x[i]) {
        z += w[i];
      }
    }
    double score = 1.0 / (1.0 + Math.exp(-z));
    return BotScore.newBuilder()
        .setScore(score)
        .setIsBot(score >= model.threshold())
        .setModelVersion(model.version())
        .build();
  }

  static boolean[] features(ParsedUserAgent userAgent, Context context) {
    boolean[] x = new boolean[Feature.values().length];
    if (userAgent == null) {
      x[Feature.UA_MISSING.ordinal()] = true;
    } else {
      String agentClass = userAgent.info().getAgentClass();
      x[Feature.AGENT_CLASS_ROBOT.ordinal()] = ROBOT_CLASSES.contains(agentClass);
      x[Feature.AGENT_CLASS_HACKER.ordinal()] = agentClass.equals("Hacker");
      x[Feature.AGENT_CLASS_SPECIAL.ordinal()] = SPECIAL_CLASSES.contains(agentClass);
      x[Feature.AGENT_CLASS_UNKNOWN.ordinal()] = UNKNOWN.contains(agentClass);
      x[Feature.DEVICE_CLASS_ROBOT.ordinal()] =
          userAgent.info().getDeviceClass().startsWith("Robot");
      x[Feature.UA_BOT_KEYWORD.ordinal()] = userAgent.botKeyword();
      x[Feature.UA_HEADLESS.ordinal()] = userAgent.headless();
      x[Feature.UA_SHORT.ordinal()] = userAgent.length() < 30;
    }
    x[Feature.NO_REFERRER.ordinal()] = context.getReferrer().isEmpty();
    x[Feature.NO_LOCALE.ordinal()] = context.getLocale().isEmpty();
    x[Feature.NO_PAGE_URL.ordinal()] = context.getPageUrl().isEmpty();
    return x;
  }
}
