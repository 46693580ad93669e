package dev.cacheaside.r2dbc;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.TransactionDefinition;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The session settings of the connections an executor's own pool opens (see
 * {@link R2dbcQueryExecutor}, "Timeouts" and "Read-only sessions"): the statement timeout and a
 * read-only session, set once when a connection is opened; the session switched to READ WRITE and
 * back for a set-up statement; a READ WRITE transaction for a write. Which statements count as
 * set-up is decided by {@link #startsAsRead}. Stateless; every {@link Mono} is lazy unless it
 * says otherwise.
 */
final class Sessions {

    private static final Logger LOG = LoggerFactory.getLogger(R2dbcQueryExecutor.class);

    /** First keywords that run on a READ WRITE session when set-up code calls {@code execute}. */
    private static final Set<String> WRITE_FIRST_WORDS = Set.of(
            "INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "UPSERT", "TRUNCATE", "CREATE", "DROP", "ALTER",
            "GRANT", "REVOKE", "CALL", "DO", "COPY", "LOCK", "UNLOCK", "SET", "COMMENT", "RENAME", "LOAD",
            "ANALYZE", "VACUUM", "REFRESH", "START", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE",
            "PREPARE", "EXECUTE", "DEALLOCATE", "DISCARD", "RESET", "CHECKPOINT", "CLUSTER", "REINDEX",
            "NOTIFY", "LISTEN", "UNLISTEN", "SECURITY", "IMPORT", "KILL", "FLUSH", "OPTIMIZE", "REPAIR",
            "INSTALL", "UNINSTALL", "HANDLER", "USE", "PURGE", "RESTORE", "BACKUP", "RUNSCRIPT", "SCRIPT",
            "SHUTDOWN");

    /** A transaction that may write, on a session whose default is read-only. */
    private static final TransactionDefinition READ_WRITE = new TransactionDefinition() {
        @Override
        @SuppressWarnings("unchecked")
        public <T> T getAttribute(io.r2dbc.spi.Option<T> option) {
            return option.equals(TransactionDefinition.READ_ONLY) ? (T) Boolean.FALSE : null;
        }
    };

    private Sessions() {
    }

    /**
     * Whether {@code sql} runs on the read-only session: unless its first keyword (after comments
     * and parentheses) is one of {@link #WRITE_FIRST_WORDS}. Every text the read check accepts
     * starts with SELECT, WITH, VALUES, TABLE, SHOW or EXPLAIN, so it always does.
     */
    static boolean startsAsRead(String sql, SqlScript.Syntax syntax) {
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c) || c == '(') {
                i++;
                continue;
            }
            int end = SqlLexer.skip(sql, i, syntax);
            boolean comment = end > 0 && (c == '-' || c == '#' || c == '/');
            if (comment) {
                if (sql.startsWith("/*!", i) || sql.startsWith("/*M!", i)) {
                    return true; // executable code: stay read-only
                }
                i = end;
                continue;
            }
            int start = i;
            while (i < n && Character.isLetter(sql.charAt(i))) {
                i++;
            }
            String word = sql.substring(start, i).toUpperCase(Locale.ROOT);
            return !WRITE_FIRST_WORDS.contains(word);
        }
        return true;
    }

    /** The statement that makes a session's transactions read-only by default, or null for none. */
    static String readOnlySessionSql(Dialect dialect) {
        switch (dialect) {
            case POSTGRESQL:
                return "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY";
            case MYSQL:
            case MARIADB:
                return "SET SESSION TRANSACTION READ ONLY";
            default:
                return null; // H2 has no read-only session; the read check alone guards it
        }
    }

    /**
     * Sets up a connection the pool has just opened: its statement timeout, then a read-only
     * session where {@code dialect} has one. For the pool's {@code postAllocate}; creates the
     * read-only statement when called.
     */
    static Mono<Void> setUp(Connection connection, Dialect dialect, Duration statementTimeout) {
        return applyStatementTimeout(connection, dialect, statementTimeout)
                .then(readOnlySession(connection, dialect));
    }

    /**
     * Sets the statement timeout on a new connection: H2's driver ignores
     * {@code setStatementTimeout}, so H2 gets {@code SET QUERY_TIMEOUT}; other drivers implement it
     * (a driver that does not is left with the client-side timeout).
     */
    private static Mono<Void> applyStatementTimeout(Connection connection, Dialect dialect, Duration timeout) {
        if (dialect == Dialect.H2) {
            return Flux.from(connection.createStatement("SET QUERY_TIMEOUT " + timeout.toMillis()).execute())
                    .concatMap(r -> r.getRowsUpdated())
                    .then();
        }
        return Mono.defer(() -> Mono.from(connection.setStatementTimeout(timeout)))
                .onErrorResume(e -> {
                    // a driver or server without statement timeouts still gets the client-side one
                    LOG.debug("statement timeout not set on the server: {}", e.toString());
                    return Mono.empty();
                });
    }

    /**
     * Makes a new connection's session read-only, once, when the pool opens it: a function that
     * writes, called from a statement the read check accepted, then fails in the database.
     */
    private static Mono<Void> readOnlySession(Connection connection, Dialect dialect) {
        String sql = readOnlySessionSql(dialect);
        if (sql == null) {
            return Mono.empty();
        }
        return Flux.from(connection.createStatement(sql).execute())
                .concatMap(r -> r.getRowsUpdated())
                .then();
    }

    /**
     * Sets the session of {@code connection} read-only or READ WRITE; only for a dialect with a
     * read-only session. Creates the statement when called.
     */
    static Mono<Void> switchTo(Connection connection, Dialect dialect, boolean readOnly) {
        String sql = readOnlySessionSql(dialect);
        if (!readOnly) {
            sql = sql.replace("READ ONLY", "READ WRITE");
        }
        return Flux.from(connection.createStatement(sql).execute()).concatMap(r -> r.getRowsUpdated()).then();
    }

    /**
     * Begins a transaction that may write on a read-only session: PostgreSQL gets
     * {@code BEGIN READ WRITE} through the driver's transaction definition; MySQL and MariaDB get
     * {@code SET TRANSACTION READ WRITE} (for the next transaction only) first, since their
     * drivers start a plain transaction whatever the definition says.
     */
    static Mono<Void> beginReadWrite(Connection connection, Dialect dialect) {
        if (dialect.isMySqlFamily()) {
            return Flux.from(connection.createStatement("SET TRANSACTION READ WRITE").execute())
                    .concatMap(r -> r.getRowsUpdated())
                    .then(Mono.from(connection.beginTransaction()));
        }
        return Mono.from(connection.beginTransaction(READ_WRITE));
    }
}
