import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * DynamoDB Local listening on 127.0.0.1 only. It has no option for the address and its Jetty
 * listens on every interface, so anyone on the network could read and write the local table;
 * here its connector is given the loopback address before it starts. Same arguments as the jar.
 *
 * The connector also gets a deep accept queue. Jetty's default leaves Java's backlog of 50: when
 * more clients connect at once than that while the server is busy, Linux drops their SYNs, and
 * each waits for a retransmission (at 1 s, 3 s, then 7 s), past the SDK's 5 s connection timeout.
 */
public class LoopbackDynamoDbLocal {
  /** Connections the kernel holds for Jetty to accept (capped by net.core.somaxconn, 4096 by default). */
  static final int ACCEPT_QUEUE = 1024;

  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    int bound = 0;
    for (Connector c : jetty.getConnectors()) {
      if (c instanceof ServerConnector sc) {
        sc.setHost("127.0.0.1");
        sc.setAcceptQueueSize(ACCEPT_QUEUE);
        bound++;
      }
    }
    if (bound == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind to 127.0.0.1");
    proxy.start();
  }
}
