package dev.millrace.curation.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class CuratedTableTest {

  @Test
  void selectingATableBuildsWhatItDependsOnInDependencyOrder() {
    assertThat(CuratedTable.closure(List.of("users"))).containsExactly(CuratedTable.EVENTS, CuratedTable.SESSIONS,
        CuratedTable.USERS);
    assertThat(CuratedTable.closure(List.of("events"))).containsExactly(CuratedTable.EVENTS);
    assertThat(CuratedTable.closure(List.of())).containsExactly(CuratedTable.values());
  }

  @Test
  void anUnknownTableIsAnErrorNamingTheKnownOnes() {
    assertThatThrownBy(() -> CuratedTable.closure(List.of("evnets")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("evnets").hasMessageContaining("sessions");
  }

  @Test
  void everyTableDependsOnlyOnTablesDeclaredBeforeIt() {
    for (CuratedTable t : CuratedTable.values()) {
      for (CuratedTable d : t.dependsOn()) {
        assertThat(d.ordinal()).as(t + " depends on " + d).isLessThan(t.ordinal());
      }
    }
  }

  @Test
  void everySchemaParsesAndHasTheKeyColumnsItsWriteModeNeeds() {
    for (CuratedTable t : CuratedTable.values()) {
      StructType schema = StructType.fromDDL(t.schema());
      if (t.write() == CuratedTable.Write.OVERWRITE_DAY) {
        assertThat(schema.fieldNames()).as(t.tableName()).contains("ds");
      }
    }
    assertThat(StructType.fromDDL(TableSchemas.SESSIONS).fieldNames()).contains("session_id", "ds");
    assertThat(StructType.fromDDL(TableSchemas.USERS).fieldNames()).contains("user_key");
  }
}
