package dev.cacheaside.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlScriptTest {

    @Test
    void splitsAtSemicolonsAndTrims() {
        assertThat(SqlScript.split("SELECT 1;\n  SELECT 2 ;SELECT 3"))
                .containsExactly("SELECT 1", "SELECT 2", "SELECT 3");
    }

    @Test
    void dropsEmptyStatementsAndCommentOnlyStatements() {
        assertThat(SqlScript.split(";;\n ; SELECT 1;;\n-- trailing comment\n/* block */ ;  \n"))
                .containsExactly("SELECT 1");
        assertThat(SqlScript.split("")).isEmpty();
        assertThat(SqlScript.split("  \n -- only a comment")).isEmpty();
    }

    @Test
    void semicolonInSingleQuotesDoesNotSplit() {
        assertThat(SqlScript.split("SELECT 'a;b' AS x; SELECT 'it''s; fine'"))
                .containsExactly("SELECT 'a;b' AS x", "SELECT 'it''s; fine'");
    }

    @Test
    void semicolonInDoubleQuotesAndBackticksDoesNotSplit() {
        assertThat(SqlScript.split("SELECT 1 AS \"a;b\"; SELECT 1 AS `c;d`; SELECT 1 AS \"e\"\";f\""))
                .containsExactly("SELECT 1 AS \"a;b\"", "SELECT 1 AS `c;d`", "SELECT 1 AS \"e\"\";f\"");
    }

    @Test
    void semicolonInCommentsDoesNotSplit() {
        List<String> statements = SqlScript.split(
                "SELECT 1 -- first; still a comment\n;\nSELECT /* a; b */ 2;\n/* x; */ SELECT 3");
        assertThat(statements).containsExactly(
                "SELECT 1 -- first; still a comment", "SELECT /* a; b */ 2", "/* x; */ SELECT 3");
    }

    @Test
    void commentsKeepQuotesInside() {
        assertThat(SqlScript.split("SELECT 1 -- it's; here\n; SELECT 2 /* don't; */ ; SELECT 3"))
                .containsExactly("SELECT 1 -- it's; here", "SELECT 2 /* don't; */", "SELECT 3");
    }

    @Test
    void dollarQuotingDoesNotSplit() {
        String fn = "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql";
        String tagged = "DO $body$ BEGIN PERFORM 1; PERFORM $$x;y$$; END $body$";
        assertThat(SqlScript.split(fn + ";\n" + tagged + "; SELECT 1"))
                .containsExactly(fn, tagged, "SELECT 1");
    }

    @Test
    void positionalParametersAreNotDollarQuotes() {
        assertThat(SqlScript.split("SELECT $1; SELECT $2")).containsExactly("SELECT $1", "SELECT $2");
        assertThat(SqlScript.split("SELECT a$b$c FROM t; SELECT 2", SqlScript.Syntax.POSTGRESQL))
                .containsExactly("SELECT a$b$c FROM t", "SELECT 2");
    }

    @Test
    void mysqlBackslashEscapesAndHashComments() {
        assertThat(SqlScript.split("SELECT 'it\\'s; ok'; # hash; comment\nSELECT 2", SqlScript.Syntax.MYSQL))
                .containsExactly("SELECT 'it\\'s; ok'", "# hash; comment\nSELECT 2");
        // in standard SQL a backslash is an ordinary character, so 'C:\' closes the string
        assertThat(SqlScript.split("SELECT 'C:\\'; SELECT 2")).containsExactly("SELECT 'C:\\'", "SELECT 2");
    }

    @Test
    void postgresEscapeStringsAndNestedComments() {
        assertThat(SqlScript.split("SELECT E'a\\'; b'; SELECT /* x /* y; */ z; */ 2", SqlScript.Syntax.POSTGRESQL))
                .containsExactly("SELECT E'a\\'; b'", "SELECT /* x /* y; */ z; */ 2");
    }

    @Test
    void unterminatedQuoteRunsToTheEnd() {
        assertThat(SqlScript.split("SELECT 1; SELECT 'open; SELECT 2"))
                .containsExactly("SELECT 1", "SELECT 'open; SELECT 2");
    }

    @Test
    void rejectsNull() {
        assertThatNullPointerException().isThrownBy(() -> SqlScript.split(null));
    }
}
