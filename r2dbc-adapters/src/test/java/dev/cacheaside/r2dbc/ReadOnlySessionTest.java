package dev.cacheaside.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which statements of {@code execute} keep the read-only session, and which engines have one. */
class ReadOnlySessionTest {

    @Test
    void everyReadKeepsTheReadOnlySession() {
        for (SqlScript.Syntax syntax : SqlScript.Syntax.values()) {
            assertThat(R2dbcQueryExecutor.startsAsRead("SELECT guard_fn()", syntax)).isTrue();
            assertThat(R2dbcQueryExecutor.startsAsRead(" -- c\n ((WITH x AS (DELETE FROM t) SELECT 1))", syntax)).isTrue();
            assertThat(R2dbcQueryExecutor.startsAsRead("/* CREATE */ VALUES (1)", syntax)).isTrue();
            assertThat(R2dbcQueryExecutor.startsAsRead("something_unknown", syntax)).as("unknown stays read-only").isTrue();
            assertThat(R2dbcQueryExecutor.startsAsRead("", syntax)).isTrue();
            assertThat(R2dbcQueryExecutor.startsAsRead("CREATE TABLE t (id INT)", syntax)).isFalse();
            assertThat(R2dbcQueryExecutor.startsAsRead("  insert into t values (1)", syntax)).isFalse();
        }
        assertThat(R2dbcQueryExecutor.startsAsRead("/*! INSERT */ SELECT 1", SqlScript.Syntax.MYSQL))
                .as("executable comment: code, stays read-only").isTrue();
    }

    @Test
    void serversHaveReadOnlySessionsAndH2Not() {
        assertThat(R2dbcQueryExecutor.readOnlySessionSql(Dialect.POSTGRESQL)).contains("READ ONLY");
        assertThat(R2dbcQueryExecutor.readOnlySessionSql(Dialect.MARIADB)).isEqualTo("SET SESSION TRANSACTION READ ONLY");
        assertThat(R2dbcQueryExecutor.readOnlySessionSql(Dialect.MYSQL)).isEqualTo("SET SESSION TRANSACTION READ ONLY");
        assertThat(R2dbcQueryExecutor.readOnlySessionSql(Dialect.H2)).isNull();
    }
}
