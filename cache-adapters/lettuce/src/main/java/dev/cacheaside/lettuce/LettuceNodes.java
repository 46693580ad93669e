package dev.cacheaside.lettuce;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The {@code host:port} form of the nodes in {@link LettuceStoreOptions}: listed, checked, taken apart. */
final class LettuceNodes {

    private LettuceNodes() {
    }

    /** {@code host:port} checked: a host and a port from 1 to 65535 ({@code [v6]:port} allowed). */
    static String checkHostPort(String node) {
        String s = Objects.requireNonNull(node, "node").trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("node '" + node + "' is not host:port");
        }
        try {
            int port = Integer.parseInt(s.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("node '" + node + "' has port " + port + " out of range 1-65535");
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("node '" + node + "' has no numeric port");
        }
        return s;
    }

    /** The host of a checked node, without the brackets of an IPv6 address. */
    static String host(String node) {
        String host = node.substring(0, node.lastIndexOf(':'));
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** The port of a checked node. */
    static int port(String node) {
        return Integer.parseInt(node.substring(node.lastIndexOf(':') + 1));
    }

    /** The non-blank entries of a comma-separated list, trimmed. */
    static List<String> split(String nodes) {
        List<String> list = new ArrayList<>();
        for (String part : nodes.split(",")) {
            if (!part.isBlank()) {
                list.add(part.trim());
            }
        }
        return list;
    }
}
