package dev.millrace.batch.parquet;

import com.github.luben.zstd.Zstd;
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
 */
final class DirectCodecs implements CompressionCodecFactory {

  /** zstd's default level: the usual speed/size balance for columnar pages. */
  private static final int ZSTD_LEVEL = 3;

  @Override
  public BytesInputCompressor getCompressor(CompressionCodecName codec) {
    return switch (codec) {
      case ZSTD -> compressor(codec, bytes -> Zstd.compress(bytes, ZSTD_LEVEL));
      case SNAPPY -> compressor(codec, Snappy::compress);
      case UNCOMPRESSED -> compressor(codec, bytes -> bytes);
      default -> throw new IllegalArgumentException("unsupported codec " + codec);
    };
  }

  @Override
  public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
    throw new UnsupportedOperationException("the batch loader only writes Parquet");
  }

  @Override
  public void release() {}

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
