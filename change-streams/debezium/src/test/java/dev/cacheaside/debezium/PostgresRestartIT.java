package dev.cacheaside.debezium;

/**
 * A restart of the database server loses no change: on a PostgreSQL server of this test's own
 * (initdb into a temporary directory, a free port, {@code wal_level=logical}), never the shared one.
 */
class PostgresRestartIT extends ServerRestartContract {

    @Override
    PrivateServer server() throws Exception {
        return PrivateServer.postgres();
    }
}
