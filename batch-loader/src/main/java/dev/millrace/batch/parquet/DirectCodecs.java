package dev.millrace.batch.parquet;

import com.github.luben.zstd.ZstdCompressCtx;
import java.io.IOException;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * Page compression straight on zstd-jni and snappy-java. Parquet's own {@code CodecFactory} goes
 * through Hadoop's codec classes and builds a Hadoop {@code Configuration} (which needs most of
 * Hadoop's runtime); the bytes are the same standard zstd frames and raw snappy blocks either way.
 * Write-only: the loader never reads Parquet.
 *
 * <p>One factory belongs to one file, written by one thread: the zstd context (its native tables)
 * is made once and reused for every page, and freed when the writer releases the factory.
 */
final class DirectCodecs implements CompressionCodecFactory {

  private final int zstdLevel;
  private ZstdCompressCtx zstd;

  DirectCodecs(int zstdLevel) {
    this.zstdLevel = zstdLevel;
  }

  @Override
  public BytesInputCompressor getCompressor(CompressionCodecName codec) {
    return switch (codec) {
      case ZSTD -> compressor(codec, this::zstd);
      case SNAPPY -> compressor(codec, Snappy::compress);
      case UNCOMPRESSED -> compressor(codec, bytes -> bytes);
      default -> throw new IllegalArgumentException("unsupported codec " + codec);
    };
  }

  private byte[] zstd(byte[] bytes) {
    if (zstd == null) {
      zstd = new ZstdCompressCtx().setLevel(zstdLevel);
    }
    return zstd.compress(bytes);
  }

  @Override
  public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
    throw new UnsupportedOperationException("the batch loader only writes Parquet");
  }

  @Override
  public void release() {
    if (zstd != null) {
      zstd.close();
      zstd = null;
    }
  }

  private interface Codec {
    byte[] apply(byte[] input) throws IOException;
  }

  private static BytesInputCompressor compressor(CompressionCodecName name, Codec codec) {
    return new BytesInputCompressor() {
      @Override
      public BytesInput compress(BytesInput bytes) throws IOException {
        return BytesInput.from(codec.apply(bytes.toByteArray()));
      }

      @Override
      public CompressionCodecName getCodecName() {
        return name;
      }

      @Override
      public void release() {}
    };
  }
}
