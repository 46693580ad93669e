package dev.cacheaside.debezium;

/**
 * A restart of the database server loses no change: on a MariaDB server of this test's own
 * (mariadb-install-db into a temporary directory, a free port, a row-based binlog), never the shared one.
 */
class MariaDbRestartIT extends ServerRestartContract {

    @Override
    PrivateServer server() throws Exception {
        return PrivateServer.mariadb();
    }
}
