package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisConnectionException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Which connection failures are retried at once because Lettuce lost the server's answer. */
class LettuceClientsTest {

    @Test
    void aLostHandshakeOutcomeIsRecognisedHoweverItIsWrapped() {
        IllegalStateException lost = new IllegalStateException("RedisHandshakeHandler not registered");
        assertThat(LettuceClients.handshakeOutcomeLost(lost)).isTrue();
        assertThat(LettuceClients.handshakeOutcomeLost(new CompletionException(new RedisConnectionException("Unable to connect", lost))))
                .isTrue();
    }

    @Test
    void theServersOwnAnswersAreNotRetriedAtOnce() {
        assertThat(LettuceClients.handshakeOutcomeLost(new RedisConnectionException("ERR DB index is out of range"))).isFalse();
        assertThat(LettuceClients.handshakeOutcomeLost(new IllegalStateException("closed"))).isFalse();
        assertThat(LettuceClients.handshakeOutcomeLost(new RuntimeException())).isFalse();
    }
}
