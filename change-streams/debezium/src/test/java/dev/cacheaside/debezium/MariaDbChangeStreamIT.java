package dev.cacheaside.debezium;

import dev.cacheaside.spi.SqlDialect;
import dev.cacheaside.testing.TestServers;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;

/** The change-stream contract on MariaDB (row-based binlog, read by Debezium's MySQL connector). */
class MariaDbChangeStreamIT extends ChangeStreamContract {

    private final int serverId = ThreadLocalRandom.current().nextInt(100_000, 2_000_000_000);

    @Override
    DebeziumSourceOptions.Database database() {
        return DebeziumSourceOptions.Database.MARIADB;
    }

    @Override
    int defaultPort() {
        return 3306;
    }

    @Override
    SqlDialect dialect() {
        return SqlDialect.MYSQL;
    }

    @Override
    String adminUrl(boolean inNamespace) {
        return "jdbc:mysql://" + TestServers.host("MARIADB") + ":" + TestServers.port("MARIADB", 3306) + "/"
                + (inNamespace ? namespace : "") + "?permitMysqlScheme&allowPublicKeyRetrieval=true&useSSL=false";
    }

    @Override
    void createNamespace(Statement s) throws SQLException {
        s.execute("CREATE DATABASE " + namespace);
    }

    @Override
    void dropNamespace(Statement s) throws SQLException {
        s.execute("DROP DATABASE IF EXISTS " + namespace);
    }

    @Override
    void makeGap(Statement s) throws SQLException {
        // as if the binlog the stored position names had been purged (the shared server's own logs are left alone)
        s.execute("UPDATE " + DebeziumSourceOptions.DEFAULT_OFFSETS_TABLE
                + " SET v = '{\"file\":\"purged-bin.000001\",\"pos\":4}'");
    }

    @Override
    DebeziumSourceOptions.Builder sourceOptions() {
        return DebeziumSourceOptions.builder()
                .database(DebeziumSourceOptions.Database.MARIADB)
                .host(TestServers.host("MARIADB")).port(TestServers.port("MARIADB", 3306))
                .user("root").databaseName(namespace).serverId(serverId).name("it-" + run);
    }
}
