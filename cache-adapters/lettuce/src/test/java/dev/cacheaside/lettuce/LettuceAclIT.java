package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.testing.TestServers;
import io.lettuce.core.AclSetuserArgs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Connects as an ACL user made for this test on the shared Redis (and removed afterwards),
 * through the provider's variables {@code CACHE_USER} and {@code CACHE_PASSWORD}.
 */
class LettuceAclIT {

    private String address;
    private String user;
    private String password;

    @BeforeEach
    void createUser() {
        address = TestServers.require("REDIS", 6379);
        user = "cacheaside_it_" + UUID.randomUUID().toString().substring(0, 8);
        password = "pw-" + UUID.randomUUID();
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(address)) {
            // Only keys under acl: are allowed, so that a success proves we act as this user.
            admin.sync().aclSetuser(user, AclSetuserArgs.Builder.on().addPassword(password).keyPattern("acl:*").allCommands());
        }
    }

    @AfterEach
    void dropUser() {
        try (RedisTestSupport.Admin admin = new RedisTestSupport.Admin(address)) {
            admin.sync().aclDeluser(user);
        }
    }

    @Test
    void connectsAsTheAclUser() {
        CacheStore store = new LettuceCacheStoreProvider().create("redis", settings(password));
        try {
            String key = "acl:" + UUID.randomUUID();
            store.set(key, bytes("as user"), Duration.ofMinutes(1)).block(Duration.ofSeconds(10));
            assertThat(store.get(key).block(Duration.ofSeconds(10))).as("value written as the ACL user").isEqualTo(bytes("as user"));
            CacheLookup won = store.getOrLease(key + ":lease", Duration.ofSeconds(30)).block(Duration.ofSeconds(10));
            assertThat(store.fill(key + ":lease", won.token(), bytes("filled"), Duration.ofMinutes(1)).block(Duration.ofSeconds(10)))
                    .as("fill (Lua script) as the ACL user").isTrue();
            Throwable denied = catchThrowable(() -> store.set("other:" + UUID.randomUUID(), bytes("x"), Duration.ofMinutes(1))
                    .block(Duration.ofSeconds(10)));
            assertThat(denied).as("a key outside the user's pattern is refused, so the session is the ACL user's")
                    .isNotNull().hasMessageContaining("NOPERM");
            assertThat(store.delete(key).block(Duration.ofSeconds(10))).as("delete as the ACL user").isTrue();
        } finally {
            store.close();
        }
    }

    @Test
    void aWrongPasswordFailsClearlyWithoutShowingIt() {
        String wrong = "wrong-" + UUID.randomUUID();
        CacheStore store = new LettuceCacheStoreProvider().create("redis", settings(wrong));
        try {
            Throwable error = catchThrowable(() -> store.get("acl:any").block(Duration.ofSeconds(10)));
            assertThat(error).as("get with a wrong password").isNotNull();
            StringBuilder chain = new StringBuilder();
            for (Throwable t = error; t != null; t = t.getCause()) {
                chain.append(t).append('\n');
                for (Throwable s : t.getSuppressed()) {
                    chain.append(s).append('\n');
                }
            }
            // Redis answers WRONGPASS, but may close the connection before Lettuce has read it
            assertThat(chain.toString()).as("error chain names the authentication failure or the refused connection")
                    .containsAnyOf("WRONGPASS", "invalid username-password", "Connection closed prematurely");
            assertThat(chain.toString()).as("error chain never shows the password").doesNotContain(wrong);
            assertThat(store.toString()).as("store description").doesNotContain(wrong).contains("(redacted)");
        } finally {
            store.close();
        }
    }

    @Test
    void aWrongPasswordIsReportedAndLoggedWithTheServersWordsButNeverThePassword() {
        authenticationFailureIsExplained(user, "wrong-" + UUID.randomUUID());
    }

    @Test
    void anUnknownAclUserIsReportedAndLoggedWithTheServersWords() {
        authenticationFailureIsExplained("nobody_" + UUID.randomUUID().toString().substring(0, 8), password);
    }

    private void authenticationFailureIsExplained(String asUser, String pw) {
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        Logger log = (Logger) LoggerFactory.getLogger(LettuceClients.class);
        logged.start();
        log.addAppender(logged);
        CacheStore store = new LettuceCacheStoreProvider().create("redis", settings(asUser, pw));
        try {
            Throwable error = catchThrowable(() -> store.get("acl:any").block(Duration.ofSeconds(10)));
            // the top-level message is what the engine logs (error.toString()): the reason must be in it
            assertThat(error).as("get with a wrong password").isNotNull();
            assertThat(error.getMessage()).as("top-level message")
                    .containsAnyOf("WRONGPASS", "Connection closed prematurely")
                    .doesNotContain(pw);
            if (error.getMessage().contains("WRONGPASS")) {
                assertThat(error.getMessage()).contains("CACHE_PASSWORD").contains("user '" + asUser + "'");
            }
            Throwable second = catchThrowable(() -> store.get("acl:any").block(Duration.ofSeconds(10)));
            assertThat(second).as("a second attempt fails the same way").isNotNull();
            List<ILoggingEvent> warnings = logged.list.stream().filter(e -> e.getLevel() == Level.WARN).collect(Collectors.toList());
            assertThat(warnings).as("the failure is logged").isNotEmpty();
            assertThat(warnings.get(0).getFormattedMessage()).as("logged with its cause")
                    .containsAnyOf("WRONGPASS", "Connection closed prematurely");
            for (ILoggingEvent event : logged.list) {
                assertThat(event.getFormattedMessage()).as("log never shows the password").doesNotContain(pw);
            }
        } finally {
            store.close();
            log.detachAppender(logged);
        }
    }

    private Settings settings(String pw) {
        return settings(user, pw);
    }

    private Settings settings(String asUser, String pw) {
        return Settings.of(Map.of(
                "CACHE_HOST", LettuceNodes.host(address),
                "CACHE_PORT", Integer.toString(LettuceNodes.port(address)),
                "CACHE_USER", asUser,
                "CACHE_PASSWORD", pw,
                "CACHE_TIMEOUT", "2s"));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
