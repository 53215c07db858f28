package dev.millrace.batch.support;

import dev.millrace.batch.store.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/** The network edge faked for unit tests: an object store in memory that can be made to fail. */
public final class MemoryStore implements ObjectStore {

  public final TreeMap<String, byte[]> objects = new TreeMap<>();
  public boolean down;
  public int calls;

  private void call() throws IOException {
    calls++;
    if (down) {
      throw new IOException("connection refused");
    }
  }

  @Override
  public void upload(String key, Path file) throws IOException {
    call();
    objects.put(key, Files.readAllBytes(file));
  }

  @Override
  public void put(String key, byte[] content) throws IOException {
    call();
    objects.put(key, content.clone());
  }

  @Override
  public Optional<byte[]> get(String key) throws IOException {
    call();
    return Optional.ofNullable(objects.get(key));
  }

  @Override
  public boolean exists(String key) throws IOException {
    call();
    return objects.containsKey(key);
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    call();
    return new ArrayList<>(objects.subMap(prefix, prefix + Character.MAX_VALUE).keySet());
  }

  @Override
  public List<String> listDirectories(String prefix) throws IOException {
    call();
    TreeSet<String> dirs = new TreeSet<>();
    for (String key : objects.subMap(prefix, prefix + Character.MAX_VALUE).keySet()) {
      int slash = key.indexOf('/', prefix.length());
      if (slash > 0) {
        dirs.add(key.substring(0, slash + 1));
      }
    }
    return new ArrayList<>(dirs);
  }

  @Override
  public void delete(String key) throws IOException {
    call();
    objects.remove(key);
  }

  public List<String> keys(String suffix) {
    return objects.keySet().stream().filter(k -> k.endsWith(suffix)).toList();
  }

  @Override
  public void close() {}
}
