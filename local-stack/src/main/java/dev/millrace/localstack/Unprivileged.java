package dev.millrace.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Elasticsearch and PostgreSQL refuse to run as root. When this JVM is root (containers, CI), their
 * processes are started through {@code setpriv} as an unprivileged account that owns their
 * per-run folder; the unpacked distributions only need to be readable by it.
 */
final class Unprivileged {

  /** uid and gid the server runs as. */
  record Account(int uid, int gid) {}

  static boolean isRoot() {
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return Integer.valueOf(0).equals(uid);
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /** {@code setpriv} in front of a server's command line, dropping root to {@code account}. */
  static List<String> setpriv(Account account) {
    return List.of("setpriv", "--reuid=" + account.uid(), "--regid=" + account.gid(), "--clear-groups");
  }

  /**
   * The uid and gid of a login in {@code /etc/passwd}. initdb looks its own user up, so PostgreSQL
   * needs an account that exists there ({@code nobody} does on every Linux).
   */
  static Account account(String login, Path passwd) {
    try {
      for (String line : Files.readAllLines(passwd, StandardCharsets.UTF_8)) {
        String[] fields = line.split(":");
        if (fields.length >= 4 && fields[0].equals(login)) {
          return new Account(Integer.parseInt(fields[2]), Integer.parseInt(fields[3]));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + passwd, e);
    }
    throw new LocalStackException("no account " + login + " in " + passwd
        + "; name an existing unprivileged one with -Dmillrace.localstack.postgres-user", null);
  }

  /** Hands {@code folder} and everything in it to {@code account}. */
  static void chown(Path folder, Account account) {
    try {
      Process chown = new ProcessBuilder("chown", "-R", account.uid() + ":" + account.gid(), folder.toString())
          .redirectErrorStream(true).start();
      String out = new String(chown.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (chown.waitFor() != 0) {
        throw new LocalStackException("chown of " + folder + " failed: " + out, null);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalStackException("interrupted", e);
    }
  }

  private Unprivileged() {}
}
