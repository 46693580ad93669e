package dev.cacheaside.debezium;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * The JDBC driver Debezium's MySQL connector uses for MariaDB here ({@value #PROTOCOL} URLs): MySQL
 * Connector/J, with the one statement the connector sends that MariaDB 10.x does not know,
 * {@code SHOW BINARY LOG STATUS} (MySQL 8.4+), sent as {@code SHOW MASTER STATUS}; every other
 * call goes to Connector/J as it is. (The connector picks that statement from the server's
 * version, and reads MariaDB's {@code 10.11} as a MySQL newer than 8.4.)
 */
public final class MariaDbCompatDriver implements Driver {

    /** The URL scheme of this driver: {@code jdbc:cacheaside-mariadb://host:port/...}. */
    public static final String PROTOCOL = "jdbc:cacheaside-mariadb";

    private final Driver mysql;

    /** Instantiated by Debezium through reflection. */
    public MariaDbCompatDriver() throws SQLException {
        mysql = new com.mysql.cj.jdbc.Driver();
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        Connection connection = mysql.connect(mysqlUrl(url), info);
        return connection == null ? null : proxy(Connection.class, connection);
    }

    private static String mysqlUrl(String url) {
        return "jdbc:mysql" + url.substring(PROTOCOL.length());
    }

    /** {@code sql}, or the statement MariaDB knows for it. */
    static String rewrite(String sql) {
        return sql != null && sql.trim().equalsIgnoreCase("SHOW BINARY LOG STATUS") ? "SHOW MASTER STATUS" : sql;
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, T target) {
        InvocationHandler handler = (p, method, args) -> invoke(target, method, args);
        return (T) Proxy.newProxyInstance(MariaDbCompatDriver.class.getClassLoader(), new Class<?>[] {type}, handler);
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        if (args != null && args.length > 0 && args[0] instanceof String sql
                && (name.startsWith("execute") || name.startsWith("prepare") || name.equals("addBatch"))) {
            args[0] = rewrite(sql);
        }
        Object result;
        try {
            result = method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
        if (result instanceof Statement statement && name.equals("createStatement")) {
            return proxy(Statement.class, statement);
        }
        return result;
    }

    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.startsWith(PROTOCOL + ":");
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
        return mysql.getPropertyInfo(mysqlUrl(url), info);
    }

    @Override
    public int getMajorVersion() {
        return mysql.getMajorVersion();
    }

    @Override
    public int getMinorVersion() {
        return mysql.getMinorVersion();
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }
}
