package dev.millrace.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProbeWatchTest {

  @Test
  void theBatchLoadersUploadLinesNameTheObjectsOnS3() {
    String log = """
        2026-12-07T14:50:01.123Z  INFO 4242 --- [loop-1] d.m.batch.consume.Uploader : uploaded \
        events/event_type=page_view/dt=2026-12-07/hour=14/millrace.enriched-p2-o0000000000000001200-0000000000000001499.parquet \
        (300 records, 81234 bytes, millrace.enriched-2 offsets 1200..1499)
        2026-12-07T14:50:01.200Z  INFO 4242 --- [loop-1] d.m.batch.consume.OffsetCommitter : committed
        """;
    assertThat(ProbeWatch.uploadedKeys(log)).containsExactly(
        "events/event_type=page_view/dt=2026-12-07/hour=14/"
            + "millrace.enriched-p2-o0000000000000001200-0000000000000001499.parquet");
  }
}
