package dev.keel.rocket;

import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.body.RegisterBrokerBody;
import org.apache.rocketmq.remoting.protocol.body.TopicConfigAndMappingSerializeWrapper;
import org.apache.rocketmq.remoting.protocol.header.namesrv.RegisterBrokerRequestHeader;
import org.apache.rocketmq.remoting.protocol.header.namesrv.UnRegisterBrokerRequestHeader;
import java.util.List;

/**
 * A second master broker as the real name server sees it: registered under a name and an address
 * where nothing listens (so it has no topics, and any request to it fails to connect). Lets a test
 * on the single-broker harness see a cluster whose masters do not all have a topic. Unregistered on
 * close (the name server also drops it when this client's connection closes).
 */
final class RegisteredMaster implements AutoCloseable {

    private final NettyRemotingClient client = new NettyRemotingClient(new NettyClientConfig());
    private final String nameServer;
    private final String cluster;
    private final String name;
    private final String address;

    RegisteredMaster(String nameServer, String cluster, String name, String address) throws Exception {
        this.nameServer = nameServer;
        this.cluster = cluster;
        this.name = name;
        this.address = address;
        client.start();
        RegisterBrokerRequestHeader header = new RegisterBrokerRequestHeader();
        header.setBrokerName(name);
        header.setBrokerAddr(address);
        header.setClusterName(cluster);
        header.setHaServerAddr(address);
        header.setBrokerId(0L);
        header.setCompressed(false);
        header.setBodyCrc32(0); // 0: the name server checks no CRC
        RegisterBrokerBody body = new RegisterBrokerBody();
        body.setTopicConfigSerializeWrapper(new TopicConfigAndMappingSerializeWrapper());
        body.setFilterServerList(List.of());
        RemotingCommand request = RemotingCommand.createRequestCommand(RequestCode.REGISTER_BROKER, header);
        request.setBody(body.encode(false));
        RemotingCommand response = client.invokeSync(nameServer, request, 10_000);
        if (response.getCode() != ResponseCode.SUCCESS) {
            client.shutdown();
            throw new IllegalStateException("the name server refused to register " + name + ": " + response);
        }
    }

    String name() {
        return name;
    }

    @Override
    public void close() throws Exception {
        try {
            UnRegisterBrokerRequestHeader header = new UnRegisterBrokerRequestHeader();
            header.setBrokerName(name);
            header.setBrokerAddr(address);
            header.setClusterName(cluster);
            header.setBrokerId(0L);
            client.invokeSync(nameServer, RemotingCommand.createRequestCommand(RequestCode.UNREGISTER_BROKER, header),
                    10_000);
        } finally {
            client.shutdown();
        }
    }
}
