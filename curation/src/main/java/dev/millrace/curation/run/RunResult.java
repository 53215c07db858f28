package dev.millrace.curation.run;

import dev.millrace.curation.quality.CheckResult;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * What a published run did.
 *
 * @param outputRows rows written per table
 * @param snapshots the snapshot id each table's {@code main} points at after the publish
 */
public record RunResult(String runId, LocalDate ds, long inputRows, long duplicatesRemoved,
    Map<String, Long> outputRows, Map<String, Long> snapshots, List<CheckResult> checks, boolean partial) {}
