package dev.millrace.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The Trino catalogs the project ships answer through Trino's JDBC driver, as every environment uses them. */
class TrinoCatalogsIT {

  @Test
  void theShippedCuratedCatalogIsTheOneLocalStacksTrinoRuns() {
    AnalyticsStack stack = AnalyticsStack.get();
    ShippedCatalog shipped = ShippedCatalog.read("curated", stack.environment);
    assertThat(shipped.properties())
        .as("analytics/trino/catalog/curated.properties, resolved, is what local-stack's Trino reads (no drift)")
        .isEqualTo(stack.curated.trinoProperties());
  }

  @Test
  void curatedAnswersWithTheCurationJobsTables() throws Exception {
    AnalyticsStack stack = AnalyticsStack.get();
    try (Connection c = connect(stack); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT count(*) FROM curated.millrace.events")) {
      rs.next();
      assertThat(rs.getLong(1)).as("events of the generated day, duplicates removed")
          .isEqualTo(stack.day.stream().map(e -> e.eventId()).distinct().count());
    }
  }

  @Test
  void realtimeAnswersThroughTheAliasesOverEveryDailyIndex() throws Exception {
    AnalyticsStack stack = AnalyticsStack.get();
    try (Connection c = connect(stack); Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM realtime.\"default\".\"millrace-events\"")) {
        rs.next();
        assertThat(rs.getLong(1)).as("events of two daily indexes, read through the alias")
            .isEqualTo(stack.realtimeEvents.size());
      }
      Map<String, Long> byStage = new TreeMap<>();
      // A GROUP BY scans the documents (a search), where count(*) alone only counts them.
      try (ResultSet rs = st.executeQuery("SELECT stage, count(*) FROM realtime.\"default\".\"millrace-dead-letters\""
          + " GROUP BY stage")) {
        while (rs.next()) {
          byStage.put(rs.getString(1), rs.getLong(2));
        }
      }
      assertThat(byStage).isEqualTo(stack.deadLetters.stream()
          .collect(Collectors.groupingBy(d -> (String) d.get("stage"), TreeMap::new, Collectors.counting())));
    }
  }

  static Connection connect(AnalyticsStack stack) throws Exception {
    Properties user = new Properties();
    user.setProperty("user", "analytics-it");
    return DriverManager.getConnection(stack.trino.jdbcUrl(), user);
  }
}
