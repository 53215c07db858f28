package dev.millrace.batch.support;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.io.LocalInputFile;

/**
 * Reads Parquet files with parquet-java's example object model (GroupReadSupport), a code path that
 * shares nothing with the loader's writer but the file format.
 */
public final class ParquetRows {

  public static List<Group> read(Path file) throws IOException {
    List<Group> rows = new ArrayList<>();
    try (ParquetReader<Group> reader = new Reader(new LocalInputFile(file)).build()) {
      for (Group g = reader.read(); g != null; g = reader.read()) {
        rows.add(g);
      }
    }
    return rows;
  }

  private static final class Reader extends ParquetReader.Builder<Group> {
    Reader(LocalInputFile file) {
      super(file, new PlainParquetConfiguration());
    }

    @Override
    protected org.apache.parquet.hadoop.api.ReadSupport<Group> getReadSupport() {
      return new GroupReadSupport();
    }
  }

  private ParquetRows() {}
}
