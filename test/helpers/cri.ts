// A CRI image client (crictl is not packaged in Debian 12): the calls the kubelet makes on
// containerd's CRI plugin, over its unix socket. Path-based unix sockets are not network-namespaced,
// so the test process reaches a containerd running inside a scenario's namespace directly; the pull
// itself is done by containerd, inside that namespace, following its `config_path`.
import grpc from '@grpc/grpc-js';
import loader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

const PROTO = fileURLToPath(new URL('../fixtures/cri/image-service.proto', import.meta.url));

export interface CriImage { id: string; repo_tags: string[]; repo_digests: string[]; size: string }

type Callback<T> = (err: grpc.ServiceError | null, res: T) => void;
interface ImageServiceStub extends grpc.Client {
  PullImage(req: object, opts: grpc.CallOptions, cb: Callback<{ image_ref: string }>): void;
  ImageStatus(req: object, opts: grpc.CallOptions, cb: Callback<{ image: CriImage | null }>): void;
  RemoveImage(req: object, opts: grpc.CallOptions, cb: Callback<object>): void;
}

export class CriImageClient {
  private readonly stub: ImageServiceStub;

  constructor(socket: string) {
    const pkg = grpc.loadPackageDefinition(loader.loadSync(PROTO, { keepCase: true, longs: String, defaults: true })) as unknown as {
      runtime: { v1: { ImageService: new (target: string, creds: grpc.ChannelCredentials) => ImageServiceStub } };
    };
    this.stub = new pkg.runtime.v1.ImageService(`unix://${socket}`, grpc.credentials.createInsecure());
  }

  private call<T>(method: 'PullImage' | 'ImageStatus' | 'RemoveImage', req: object): Promise<T> {
    return new Promise((resolve, reject) => {
      const fn = this.stub[method].bind(this.stub) as (r: object, o: grpc.CallOptions, cb: Callback<T>) => void;
      fn(req, { deadline: Date.now() + 120_000 }, (err, res) => (err ? reject(new Error(`CRI ${method}: ${err.code} ${err.details}`)) : resolve(res)));
    });
  }

  /** PullImage as the kubelet sends it for a pod without pull secrets; resolves with the image id. */
  async pull(image: string): Promise<string> {
    return (await this.call<{ image_ref: string }>('PullImage', { image: { image } })).image_ref;
  }

  async status(image: string): Promise<CriImage | null> {
    return (await this.call<{ image: CriImage | null }>('ImageStatus', { image: { image } })).image;
  }

  async remove(image: string): Promise<void> {
    await this.call('RemoveImage', { image: { image } });
  }

  close(): void {
    this.stub.close();
  }
}
