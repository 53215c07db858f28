package dev.millrace.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerBinariesTest {

  @TempDir
  Path dir;

  /** As in the Trino tarball: a jar is stored once, its copies in later folders are hard links. */
  @Test
  void hardLinkedJarsGetTheirContentEvenWhenTheTargetFolderIsNotUnpacked() throws Exception {
    Path tarball = dir.resolve("server.tar.gz");
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(
        Files.newOutputStream(tarball)))) {
      file(tar, "server-1/lib/core.jar", "core");
      file(tar, "server-1/plugin/delta/shared.jar", "shared");
      file(tar, "server-1/plugin/delta/delta.jar", "delta");
      link(tar, "server-1/plugin/iceberg/core.jar", "server-1/lib/core.jar");
      link(tar, "server-1/plugin/iceberg/shared.jar", "server-1/plugin/delta/shared.jar");
      link(tar, "server-1/plugin/kafka/shared.jar", "server-1/plugin/delta/shared.jar");
      file(tar, "server-1/plugin/iceberg/iceberg.jar", "iceberg");
    }
    Path dest = dir.resolve("dist/server-1");

    ServerBinaries.trino(tarball, dest, List.of("lib", "plugin/iceberg", "plugin/kafka"));

    assertThat(dest.resolve("lib/core.jar")).hasContent("core");
    assertThat(dest.resolve("plugin/iceberg/core.jar")).hasContent("core");
    assertThat(dest.resolve("plugin/iceberg/shared.jar")).hasContent("shared");
    assertThat(dest.resolve("plugin/kafka/shared.jar")).hasContent("shared");
    assertThat(dest.resolve("plugin/iceberg/iceberg.jar")).hasContent("iceberg");
    assertThat(Files.isSameFile(dest.resolve("lib/core.jar"), dest.resolve("plugin/iceberg/core.jar")))
        .as("stored once on disk").isTrue();
    assertThat(dest.resolve("plugin/delta")).doesNotExist();
    assertThat(dir.resolve("dist/server-1.unpacking")).doesNotExist();
  }

  @Test
  void tarModesBecomePosixPermissions() {
    assertThat(ServerBinaries.permissions(0755)).hasSize(7);
    assertThat(ServerBinaries.permissions(0644).toString()).doesNotContain("EXECUTE");
  }

  private static void file(TarArchiveOutputStream tar, String name, String content) throws Exception {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(bytes.length);
    tar.putArchiveEntry(entry);
    ((OutputStream) tar).write(bytes);
    tar.closeArchiveEntry();
  }

  private static void link(TarArchiveOutputStream tar, String name, String target) throws Exception {
    TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_LINK);
    entry.setLinkName(target);
    tar.putArchiveEntry(entry);
    tar.closeArchiveEntry();
  }
}
