package dev.cacheaside.debezium;

import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.SqlDialect;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** A test's read-only database side over plain JDBC, each query on boundedElastic with a pooled connection. */
final class JdbcQueryExecutor implements QueryExecutor {

    private final String url;
    private final String user;
    private final SqlDialect dialect;
    private final ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();

    JdbcQueryExecutor(String url, String user, SqlDialect dialect) {
        this.url = url;
        this.user = user;
        this.dialect = dialect;
    }

    @Override
    public Mono<Rows> execute(String sql, List<?> parameters) {
        return Mono.fromCallable(() -> {
            Connection c = idle.poll();
            if (c == null) {
                c = DriverManager.getConnection(url, user, "");
            }
            try (PreparedStatement s = c.prepareStatement(sql)) {
                for (int i = 0; i < parameters.size(); i++) {
                    s.setObject(i + 1, parameters.get(i));
                }
                try (ResultSet rs = s.executeQuery()) {
                    ResultSetMetaData md = rs.getMetaData();
                    List<String> columns = new ArrayList<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        columns.add(md.getColumnLabel(i));
                    }
                    Rows.Builder rows = Rows.builder(columns);
                    while (rs.next()) {
                        Object[] row = new Object[columns.size()];
                        for (int i = 0; i < row.length; i++) {
                            Object v = rs.getObject(i + 1);
                            row[i] = v instanceof Number n ? (Object) n.longValue() : v;
                        }
                        rows.add(row);
                    }
                    idle.add(c);
                    return rows.build();
                }
            } catch (SQLException e) {
                c.close();
                throw e;
            }
        }).subscribeOn(Schedulers.boundedElastic());
    }

    @Override
    public SqlDialect dialect() {
        return dialect;
    }

    @Override
    public Mono<Void> closeAsync() {
        return Mono.fromRunnable(() -> {
            Connection c;
            while ((c = idle.poll()) != null) {
                try {
                    c.close();
                } catch (SQLException e) {
                    // closing
                }
            }
        }).subscribeOn(Schedulers.boundedElastic()).then();
    }
}
