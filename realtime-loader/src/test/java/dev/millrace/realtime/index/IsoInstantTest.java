package dev.millrace.realtime.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IsoInstantTest {

  @Test
  void writesWhatInstantToStringWritesForAnyInstant() {
    SplittableRandom random = new SplittableRandom(42);
    long min = Instant.parse("-1000-01-01T00:00:00Z").getEpochSecond();
    long max = Instant.parse("+12000-01-01T00:00:00Z").getEpochSecond();
    for (int n = 0; n < 200_000; n++) {
      long second = random.nextLong(min, max);
      int nanos = switch (n % 4) {
        case 0 -> 0;
        case 1 -> random.nextInt(1000) * 1_000_000;
        case 2 -> random.nextInt(1_000_000) * 1000;
        default -> random.nextInt(1_000_000_000);
      };
      assertThat(IsoInstant.format(second, nanos)).isEqualTo(Instant.ofEpochSecond(second, nanos).toString());
    }
  }

  @Test
  void theEdgesOfTheFastRangeAndOfLeapYears() {
    for (String t : new String[] {"0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "1970-01-01T00:00:00Z",
        "1969-12-31T23:59:59.5Z", "2000-02-29T12:00:00.000001Z", "1900-03-01T00:00:00Z", "2024-02-29T23:59:59Z",
        "+10000-01-01T00:00:00Z", "-0001-12-31T23:59:59Z"}) {
      Instant i = Instant.parse(t);
      assertThat(IsoInstant.format(i.getEpochSecond(), i.getNano())).isEqualTo(i.toString());
    }
  }
}
