package dev.millrace.localstack;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Build step, not an API: unpacks the Trino and PostgreSQL servers into {@code local-stack/target/dist}.
 * The Maven build runs it (maven-antrun-plugin, {@code process-classes}) in a JVM of its own:
 *
 * <ul>
 *   <li>{@code trino <tarball> <dest> <dir>...}: only the named folders of the server tarball. The
 *       tarball stores every jar once and the copies as <em>hard links</em> (a plugin's jar links to
 *       {@code lib/} or to an earlier plugin), which maven-dependency-plugin (plexus-archiver)
 *       unpacks as empty files; here a link becomes a real hard link, or the linked content when
 *       its target lies in a folder that is not unpacked.</li>
 *   <li>{@code postgres <dest>}: the {@code .txz} of this platform from zonky's binaries jar on the
 *       classpath (initdb, postgres, their libraries), keeping modes and symbolic links.</li>
 * </ul>
 *
 * <p>Each is unpacked into a temporary sibling and renamed into place, and skipped when {@code dest}
 * exists, so a rebuild costs nothing and an interrupted build leaves no half folder.
 */
final class ServerBinaries {

  public static void main(String[] args) throws IOException {
    switch (args.length > 0 ? args[0] : "") {
      case "trino" -> {
        if (args.length < 4) {
          throw new IllegalArgumentException("usage: trino <tarball> <dest> <dir>...");
        }
        trino(Paths.get(args[1]), Paths.get(args[2]), List.of(args).subList(3, args.length));
      }
      case "postgres" -> {
        if (args.length != 2) {
          throw new IllegalArgumentException("usage: postgres <dest>");
        }
        postgres(Paths.get(args[1]));
      }
      default -> throw new IllegalArgumentException("usage: trino <tarball> <dest> <dir>... | postgres <dest>");
    }
  }

  /** Unpacks {@code dirs} (e.g. {@code lib}, {@code plugin/iceberg}) of the tarball's top folder into {@code dest}. */
  static void trino(Path tarball, Path dest, List<String> dirs) throws IOException {
    if (Files.isDirectory(dest)) {
      return;
    }
    // Pass 1, headers only: which entries do the wanted hard links point to?
    Map<String, List<String>> linksByTarget = new HashMap<>();
    try (TarArchiveInputStream tar = gzipTar(tarball)) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        String name = relative(e.getName());
        if (e.isLink() && wanted(name, dirs)) {
          linksByTarget.computeIfAbsent(relative(e.getLinkName()), k -> new ArrayList<>()).add(name);
        }
      }
    }
    Path tmp = temporarySibling(dest);
    try (TarArchiveInputStream tar = gzipTar(tarball)) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        String name = relative(e.getName());
        boolean wanted = wanted(name, dirs);
        if (e.isLink()) {
          continue; // made together with its target
        }
        if (e.isDirectory()) {
          if (wanted) {
            Files.createDirectories(tmp.resolve(name));
          }
        } else if (e.isSymbolicLink()) {
          if (wanted) {
            Files.createDirectories(tmp.resolve(name).getParent());
            Files.createSymbolicLink(tmp.resolve(name), Paths.get(e.getLinkName()));
          }
        } else if (e.isFile()) {
          List<String> paths = new ArrayList<>();
          if (wanted) {
            paths.add(name);
          }
          paths.addAll(linksByTarget.getOrDefault(name, List.of()));
          if (paths.isEmpty()) {
            continue;
          }
          Path first = tmp.resolve(paths.get(0));
          write(tar, first, e.getMode());
          for (String other : paths.subList(1, paths.size())) {
            link(tmp.resolve(other), first);
          }
        }
      }
    }
    Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Unpacks this platform's PostgreSQL binaries from the classpath into {@code dest}. */
  static void postgres(Path dest) throws IOException {
    if (Files.isDirectory(dest)) {
      return;
    }
    String system = System.getProperty("os.name").startsWith("Mac") ? "Darwin"
        : System.getProperty("os.name").startsWith("Windows") ? "Windows" : "Linux";
    Path tmp = temporarySibling(dest);
    try (InputStream txz = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, System.getProperty("os.arch"));
         TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(new BufferedInputStream(txz)))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        Path target = tmp.resolve(e.getName()).normalize();
        if (!target.startsWith(tmp)) {
          throw new IOException("entry outside the archive's folder: " + e.getName());
        }
        if (e.isDirectory()) {
          Files.createDirectories(target);
        } else if (e.isSymbolicLink()) {
          Files.createDirectories(target.getParent());
          Files.createSymbolicLink(target, Paths.get(e.getLinkName()));
        } else if (e.isLink()) {
          link(target, tmp.resolve(e.getLinkName()).normalize());
        } else {
          write(tar, target, e.getMode());
        }
      }
    }
    Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
  }

  private static TarArchiveInputStream gzipTar(Path tarball) throws IOException {
    return new TarArchiveInputStream(new GzipCompressorInputStream(
        new BufferedInputStream(Files.newInputStream(tarball), 1 << 16)));
  }

  /** The entry's path below the tarball's single top folder ({@code trino-server-476/}). */
  private static String relative(String name) {
    int slash = name.indexOf('/');
    return slash < 0 ? "" : name.substring(slash + 1);
  }

  private static boolean wanted(String name, List<String> dirs) {
    for (String dir : dirs) {
      if (name.equals(dir) || name.equals(dir + "/") || name.startsWith(dir + "/")) {
        return true;
      }
    }
    return false;
  }

  private static Path temporarySibling(Path dest) throws IOException {
    Path tmp = dest.resolveSibling(dest.getFileName() + ".unpacking");
    RunFolder.deleteRecursively(tmp);
    return Files.createDirectories(tmp);
  }

  private static void write(InputStream content, Path target, int mode) throws IOException {
    Files.createDirectories(target.getParent());
    Files.copy(content, target, StandardCopyOption.REPLACE_EXISTING);
    try {
      Files.setPosixFilePermissions(target, permissions(mode));
    } catch (UnsupportedOperationException notPosix) {
      // Windows: modes do not apply
    }
  }

  /** A hard link where the file system has them, a copy elsewhere. */
  private static void link(Path link, Path existing) throws IOException {
    Files.createDirectories(link.getParent());
    try {
      Files.createLink(link, existing);
    } catch (UnsupportedOperationException | FileSystemException noHardLinks) {
      Files.copy(existing, link, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (1 << i)) != 0) {
        permissions.add(bits[i]);
      }
    }
    return permissions;
  }

  private ServerBinaries() {}
}
