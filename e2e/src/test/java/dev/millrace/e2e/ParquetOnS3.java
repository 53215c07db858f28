package dev.millrace.e2e;

import dev.millrace.localrun.stack.ServerEndpoints;
import io.minio.DownloadObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/** Downloads the bucket's Parquet files and counts rows per event id with DuckDB. */
public final class ParquetOnS3 {

  private ParquetOnS3() {}

  /** Rows per event id over every {@code .parquet} object; also returns how many files there were. */
  public static Map<String, Long> rowsByEventId(ServerEndpoints infra, String bucket, Path folder, int[] files) throws Exception {
    int n = 0;
    try (MinioClient s3 = MinioClient.builder().endpoint(infra.s3Endpoint())
        .credentials(infra.s3AccessKey(), infra.s3SecretKey()).region(infra.s3Region()).build()) {
      for (Result<Item> result : s3.listObjects(ListObjectsArgs.builder().bucket(bucket).recursive(true).build())) {
        String name = result.get().objectName();
        if (!name.endsWith(".parquet")) continue;
        s3.downloadObject(DownloadObjectArgs.builder().bucket(bucket).object(name)
            .filename(folder.resolve("f" + (n++) + ".parquet").toString()).build());
      }
    }
    files[0] = n;
    Map<String, Long> rows = new HashMap<>();
    if (n == 0) return rows;
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
         Statement st = db.createStatement();
         ResultSet rs = st.executeQuery("SELECT event_id, count(*) FROM read_parquet('"
             + folder.toAbsolutePath() + "/*.parquet') GROUP BY event_id")) {
      while (rs.next()) {
        rows.put(rs.getString(1), rs.getLong(2));
      }
    }
    return rows;
  }
}
