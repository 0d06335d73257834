// Registers the `model` command group (CNCF ModelPack models as OCI artifacts). Each action is
// imported lazily through main.ts's `act`, so `harborctl --help` loads none of it.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, quiet }: Kit): void {
  const model = program.command('model').description('AI models as OCI artifacts (CNCF ModelPack, shown by Harbor 2.13 as CNAI)');
  const creds = (c: Command): Command => c
    .option('--username <user>', 'registry user (default: the saved context for the REF\'s host, else anonymous)')
    .option('--password-stdin', 'read the password for --username from stdin');
  const workers = (c: Command): Command => c.option('--concurrency <n>', 'blobs transferred at once', '3');

  workers(creds(model.command('push <dir> <ref>')
    .description('package a model directory as a ModelPack artifact and push it ([HOST/]PROJECT/REPO[:TAG], default tag latest)')
    .option('--name <name>', 'model name (descriptor.name; default: the directory name)')
    .option('--family <family>', 'model family, e.g. llama3, qwen2 (descriptor.family)')
    .option('--format <format>', 'weights format, e.g. safetensors, gguf, onnx, pytorch (config.format)')
    .option('--param-size <size>', 'parameter count, e.g. 7B, 6.7B, 100M (config.paramSize)')
    .option('--precision <precision>', 'e.g. bf16, fp16, int8 (config.precision)')
    .option('--quantization <method>', 'e.g. awq, gptq, q4_k_m (config.quantization)')
    .option('--architecture <arch>', 'e.g. transformer, cnn (config.architecture)')))
    .action(act(() => import('./push.js')));
  workers(creds(model.command('pull <ref> <dir>')
    .description('download a model and restore its files under DIR (every digest verified, no path may leave DIR)')))
    .action(act(() => import('./pull.js')));
  creds(model.command('inspect <ref>').description('show a model\'s metadata, files and sizes'))
    .action(act(() => import('./inspect.js')));
  quiet(model.command('list <project>').description('list the models in a project (Harbor API)'))
    .action(act(() => import('./list.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl model push ./tiny-llm library/tiny-llm:v1', 'harborctl model pull library/tiny-llm:v1 ./restored'],
  push: ['harborctl model push ./tiny-llm library/tiny-llm:v1 --format safetensors --param-size 7B', 'harborctl model push ./qwen2 harbor.example.com/models/qwen2:0.5b --family qwen2 --concurrency 4'],
  pull: ['harborctl model pull library/tiny-llm:v1 ./restored', 'harborctl model pull harbor.example.com/models/qwen2:0.5b ./qwen2 --timeout 10m'],
  inspect: ['harborctl model inspect library/tiny-llm:v1', 'harborctl model inspect harbor.example.com/models/qwen2:0.5b -o json'],
  list: ['harborctl model list models', 'harborctl model list models -q'],
};
