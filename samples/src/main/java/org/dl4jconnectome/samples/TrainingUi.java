package org.dl4jconnectome.samples;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.deeplearning4j.config.DL4JSystemProperties;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.ui.VertxUIServer;
import org.deeplearning4j.ui.api.UIServer;
import org.deeplearning4j.ui.model.storage.InMemoryStatsStorage;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * DL4J's web UI (its training pages, and Arbiter's pages, which DL4J finds through the service loader) serving one
 * in-memory stats storage on the loopback address only.
 * <p>
 * DL4J's {@code VertxUIServer} listens on all interfaces ({@code HttpServer.listen(port)} binds 0.0.0.0) and offers no
 * host setting. It is therefore deployed here as a subclass whose Vert.x instance is seen through a view that makes
 * every HTTP server it creates listen on 127.0.0.1; everything else is DL4J's own server. The server is a JVM-wide
 * singleton ({@link UIServer#getInstance()}), stopped by {@link #stop()} or when the JVM exits.
 */
final class TrainingUi {
    static final String LOOPBACK = "127.0.0.1";
    /** The UI's port unless told otherwise (DL4J's default). */
    static final int DEFAULT_PORT = VertxUIServer.DEFAULT_UI_PORT;
    /** DL4J's StatsListener reports every this many iterations (its statistics cost a pass over the parameters). */
    static final int STATS_EVERY = 10;
    private static final long START_TIMEOUT_SECONDS = 60;
    private static final int MAX_PORT = 65_535;

    private final UIServer server;
    private final StatsStorage storage;
    private StatsStorage latestRun;

    private TrainingUi(UIServer server, StatsStorage storage) {
        this.server = server;
        this.storage = storage;
    }

    /**
     * Starts the UI on 127.0.0.1:port (0: any free port) with an empty in-memory storage attached.
     *
     * @throws CliError a usage error for a port outside 0..65535; a failure if a UI server is already running in this
     *                  JVM or the port cannot be bound
     */
    static TrainingUi start(int port) {
        if (port < 0 || port > MAX_PORT) {
            throw CliError.usage("--ui-port " + port + ": expected 0 (any free port) .. " + MAX_PORT);
        }
        VertxUIServer running = VertxUIServer.getInstance();
        if (running != null && !running.isStopped()) {
            throw CliError.failure("a DL4J UI server is already running in this JVM at " + running.getAddress(),
                    null);
        }
        Vertx vertx = Vertx.vertx();
        CompletableFuture<String> deployed = new CompletableFuture<>();
        String previousPort = System.getProperty(DL4JSystemProperties.UI_SERVER_PORT_PROPERTY);
        // VertxUIServer reads its port from this property when it is deployed directly.
        System.setProperty(DL4JSystemProperties.UI_SERVER_PORT_PROPERTY, Integer.toString(port));
        try {
            vertx.deployVerticle(new LoopbackServer(), ar -> {
                if (ar.succeeded()) {
                    deployed.complete(ar.result());
                } else {
                    deployed.completeExceptionally(ar.cause());
                }
            });
            deployed.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            abandon(vertx);
            Throwable cause = e.getCause().getCause() != null ? e.getCause().getCause() : e.getCause();
            throw CliError.failure("the UI could not listen on " + LOOPBACK + ":" + port + ": " + cause.getMessage(),
                    cause);
        } catch (TimeoutException e) {
            abandon(vertx);
            throw CliError.failure("the UI did not start within " + START_TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon(vertx);
            throw CliError.failure("interrupted while starting the UI", e);
        } finally {
            if (previousPort == null) {
                System.clearProperty(DL4JSystemProperties.UI_SERVER_PORT_PROPERTY);
            } else {
                System.setProperty(DL4JSystemProperties.UI_SERVER_PORT_PROPERTY, previousPort);
            }
        }
        UIServer server = VertxUIServer.getInstance();
        StatsStorage storage = new InMemoryStatsStorage();
        server.attach(storage);
        return new TrainingUi(server, storage);
    }

    /**
     * Undoes a failed start: DL4J's server registered itself as the JVM's instance when it was created, so it is
     * stopped through DL4J (which also forgets it) for a later start to succeed.
     */
    private static void abandon(Vertx vertx) {
        try {
            VertxUIServer.stopInstance();
        } catch (Exception e) {
            vertx.close();
        }
    }

    /** Where listeners (DL4J's {@code StatsListener}, Arbiter's status listener) put what the UI shows. */
    StatsStorage storage() {
        return storage;
    }

    /**
     * A fresh storage for a new training run, attached in place of the previous run's. DL4J's training pages stay on
     * the session they first showed while it is attached and turn to the most recent one when it goes away, so they
     * follow the run in progress (Arbiter's pages, in {@link #storage()}, keep every candidate's score).
     */
    synchronized StatsStorage newRunStorage() {
        if (latestRun != null) {
            server.detach(latestRun);
        }
        latestRun = new InMemoryStatsStorage();
        server.attach(latestRun);
        return latestRun;
    }

    int port() {
        return server.getPort();
    }

    /** The base address, http://127.0.0.1:port. */
    String address() {
        return "http://" + LOOPBACK + ":" + port();
    }

    /**
     * On a terminal, keeps the UI up until the user presses Enter, so that the finished run can be read; elsewhere
     * (a pipe, a test) returns at once and the server lives until the JVM exits or {@link #stop()}.
     */
    void waitOnTerminal(PrintWriter err) {
        if (System.console() == null) {
            return;
        }
        err.println("the UI stays up at " + address() + " until you press Enter");
        err.flush();
        System.console().readLine();
        stop();
    }

    /** Stops the server (the JVM-wide instance). */
    static void stop() {
        try {
            UIServer.stopInstance();
        } catch (Exception e) {
            throw CliError.failure("stopping the UI failed: " + e.getMessage(), e);
        }
    }

    /** DL4J's server, deployed with a Vert.x view that binds its HTTP servers to the loopback address. */
    static final class LoopbackServer extends VertxUIServer {
        @Override
        public void init(Vertx vertx, Context context) {
            super.init(loopbackOnly(vertx), context);
        }
    }

    static Vertx loopbackOnly(Vertx vertx) {
        return (Vertx) view(vertx, (proxy, method, args) -> {
            Object result = invoke(vertx, method, args);
            if (result instanceof HttpServer && method.getName().equals("createHttpServer")) {
                return loopbackServer((HttpServer) result);
            }
            return result == vertx ? proxy : result;
        });
    }

    @SuppressWarnings("unchecked")
    private static HttpServer loopbackServer(HttpServer server) {
        return (HttpServer) view(server, (proxy, method, args) -> {
            Object result;
            Class<?>[] p = method.getParameterTypes();
            if (method.getName().equals("listen") && p.length >= 1 && p[0] == int.class
                    && (p.length == 1 || p[1] == Handler.class)) {
                // listen(port) and listen(port, handler) bind 0.0.0.0; bind the loopback address instead.
                int port = (Integer) args[0];
                result = p.length == 1 ? server.listen(port, LOOPBACK)
                        : server.listen(port, LOOPBACK, (Handler<AsyncResult<HttpServer>>) args[1]);
            } else {
                result = invoke(server, method, args);
            }
            return result == server ? proxy : result;
        });
    }

    private static Object view(Object target, java.lang.reflect.InvocationHandler handler) {
        Set<Class<?>> interfaces = new LinkedHashSet<>();
        for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
            interfaces.addAll(java.util.Arrays.asList(c.getInterfaces()));
        }
        return Proxy.newProxyInstance(target.getClass().getClassLoader(), interfaces.toArray(new Class<?>[0]),
                handler);
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
