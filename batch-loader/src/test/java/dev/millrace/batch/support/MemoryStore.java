package dev.millrace.batch.support;

import dev.millrace.batch.store.ObjectStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The network edge faked for unit tests: an object store in memory that can be made to fail, to be
 * slow (each call moves a fake clock on), to do multipart uploads, and to apply an upload late,
 * after the caller's request has timed out (as a slow store may).
 */
public final class MemoryStore implements ObjectStore {

  public final TreeMap<String, byte[]> objects = new TreeMap<>();
  public boolean down;
  public int calls;
  /** Every call, in order: "put key", "upload key", "part key", "abort key", ... */
  public final List<String> log = new ArrayList<>();
  /** Multipart uploads aborted: their keys. */
  public final List<String> aborted = new ArrayList<>();
  /** Multipart uploads started and neither completed nor aborted: upload id to key. */
  public final Map<String, String> openUploads = new HashMap<>();
  private final Map<String, TreeMap<Integer, byte[]>> parts = new HashMap<>();
  private long partSize = Long.MAX_VALUE;
  private FakeClock clock;
  private Duration perCall = Duration.ZERO;
  private Predicate<String> timeOutUploadsOf = key -> false;
  private final Map<String, byte[]> late = new TreeMap<>();
  private int nextUploadId;

  /** Files above {@code bytes} go up as multipart uploads of parts of that size. */
  public MemoryStore partSize(long bytes) {
    this.partSize = bytes;
    return this;
  }

  /** Every call takes {@code perCall} on {@code clock}. */
  public MemoryStore slow(FakeClock clock, Duration perCall) {
    this.clock = clock;
    this.perCall = perCall;
    return this;
  }

  /**
   * Uploads of matching keys fail as a timed-out request whose object the store still stores:
   * kept aside until {@link #applyLateWrites()}.
   */
  public MemoryStore timeOutUploadsOf(Predicate<String> keys) {
    this.timeOutUploadsOf = keys;
    return this;
  }

  /** Stores the uploads that timed out on the caller's side. */
  public void applyLateWrites() {
    objects.putAll(late);
    late.clear();
  }

  private void call(String what) throws IOException {
    calls++;
    log.add(what);
    if (clock != null) {
      clock.advance(perCall);
    }
    if (down) {
      throw new IOException("connection refused");
    }
  }

  @Override
  public long partSize() {
    return partSize;
  }

  @Override
  public void upload(String key, Path file) throws IOException {
    call("upload " + key);
    if (timeOutUploadsOf.test(key)) {
      late.put(key, Files.readAllBytes(file));
      throw new IOException("upload of " + key + " timed out");
    }
    objects.put(key, Files.readAllBytes(file));
  }

  @Override
  public String startMultipart(String key) throws IOException {
    call("start " + key);
    String id = "upload-" + nextUploadId++;
    openUploads.put(id, key);
    parts.put(id, new TreeMap<>());
    return id;
  }

  @Override
  public Part uploadPart(String key, String uploadId, int number, Path file, long offset,
                        long length) throws IOException {
    call("part " + key);
    byte[] bytes = new byte[Math.toIntExact(length)];
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      in.seek(offset);
      in.readFully(bytes);
    }
    TreeMap<Integer, byte[]> upload = parts.get(uploadId);
    if (upload == null) {
      throw new IOException("NoSuchUpload " + uploadId);
    }
    upload.put(number, bytes);
    return new Part(number, "etag-" + number, null);
  }

  @Override
  public void completeMultipart(String key, String uploadId, List<Part> done) throws IOException {
    call("complete " + key);
    TreeMap<Integer, byte[]> upload = parts.remove(uploadId);
    if (upload == null) {
      throw new IOException("NoSuchUpload " + uploadId);
    }
    openUploads.remove(uploadId);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Part p : done) {
      out.writeBytes(upload.get(p.number()));
    }
    if (timeOutUploadsOf.test(key)) {
      late.put(key, out.toByteArray());
      throw new IOException("completion of " + key + " timed out");
    }
    objects.put(key, out.toByteArray());
  }

  @Override
  public void abortMultipart(String key, String uploadId) throws IOException {
    call("abort " + key);
    parts.remove(uploadId);
    openUploads.remove(uploadId);
    aborted.add(key);
  }

  @Override
  public void put(String key, byte[] content) throws IOException {
    call("put " + key);
    objects.put(key, content.clone());
  }

  @Override
  public Optional<byte[]> get(String key) throws IOException {
    call("get " + key);
    return Optional.ofNullable(objects.get(key));
  }

  @Override
  public boolean exists(String key) throws IOException {
    call("exists " + key);
    return objects.containsKey(key);
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    call("list " + prefix);
    return new ArrayList<>(objects.subMap(prefix, prefix + Character.MAX_VALUE).keySet());
  }

  @Override
  public List<String> listDirectories(String prefix) throws IOException {
    call("list " + prefix);
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
    call("delete " + key);
    objects.remove(key);
  }

  public List<String> keys(String suffix) {
    return objects.keySet().stream().filter(k -> k.endsWith(suffix)).toList();
  }

  @Override
  public void close() {}
}
