// The AI SDK test models the integration tests share: the usage a provider
// reports, and a two-step tool-calling model (a call of `add`, then text).

import { MockLanguageModelV4 } from "ai/test";

/** The usage a V4 provider reports, cache and reasoning tokens included. */
export type Usage = {
  inputTokens: {
    total: number | undefined;
    noCache: number | undefined;
    cacheRead: number | undefined;
    cacheWrite: number | undefined;
  };
  outputTokens: {
    total: number | undefined;
    text: number | undefined;
    reasoning: number | undefined;
  };
};

/** Tokens in and out; the cached and reasoning ones are part of them. */
export function usage(
  input: number,
  output: number,
  { cacheRead, cacheWrite, reasoning }: {
    cacheRead?: number;
    cacheWrite?: number;
    reasoning?: number;
  } = {},
): Usage {
  return {
    inputTokens: {
      total: input,
      noCache: input - (cacheRead ?? 0) - (cacheWrite ?? 0),
      cacheRead,
      cacheWrite,
    },
    outputTokens: { total: output, text: output - (reasoning ?? 0), reasoning },
  };
}

export const STOP = { unified: "stop" as const, raw: "stop" };

/**
 * A gpt-4o-mini that calls `add` with 1 and 2, then answers: the two steps
 * of a tool-calling run, with the given usage per step.
 */
export function toolCallingModel(
  { toolCallId = "t1", answer = "3", first, second }: {
    toolCallId?: string;
    answer?: string;
    first: Usage;
    second: Usage;
  },
): MockLanguageModelV4 {
  return new MockLanguageModelV4({
    provider: "openai.chat",
    modelId: "gpt-4o-mini",
    doGenerate: [
      {
        content: [{
          type: "tool-call",
          toolCallId,
          toolName: "add",
          input: '{"a":1,"b":2}',
        }],
        finishReason: { unified: "tool-calls", raw: "tool_calls" },
        usage: first,
        warnings: [],
      },
      {
        content: [{ type: "text", text: answer }],
        finishReason: STOP,
        usage: second,
        warnings: [],
      },
    ],
  });
}
