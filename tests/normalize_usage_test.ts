// normalizeUsage against real-shaped responses of each provider. Every
// expected value is written out by hand from the payload beside it: input
// counts all input (Anthropic and Bedrock add their cache fields to it),
// output all output (Gemini adds its thoughts), a missing or malformed field
// is null and never 0.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInputError } from "../mod.ts";
import { type NormalizedUsage, normalizeUsage } from "../usage.ts";

const NOTHING: NormalizedUsage = {
  model: null,
  inputTokens: null,
  outputTokens: null,
  cacheReadTokens: null,
  cacheWriteTokens: null,
  reasoningTokens: null,
};

/** `NOTHING` with the given fields. */
function usage(known: Partial<NormalizedUsage>): NormalizedUsage {
  return { ...NOTHING, ...known };
}

describe("normalizeUsage: OpenAI", () => {
  const chat = {
    id: "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
    object: "chat.completion",
    created: 1741570283,
    model: "gpt-4o-2024-08-06",
    choices: [{
      index: 0,
      message: { role: "assistant", content: "Hello!", refusal: null },
      logprobs: null,
      finish_reason: "stop",
    }],
    usage: {
      prompt_tokens: 2006,
      completion_tokens: 300,
      total_tokens: 2306,
      prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: "default",
    system_fingerprint: "fp_fc9f1d7035",
  };

  it("reads chat completions with cached tokens", () => {
    assert.deepEqual(
      normalizeUsage("openai", chat),
      usage({
        model: "gpt-4o-2024-08-06",
        inputTokens: 2006,
        outputTokens: 300,
        cacheReadTokens: 1920,
        reasoningTokens: 0,
      }),
    );
  });

  it("reads a reasoning model's chat completion", () => {
    const response = {
      object: "chat.completion",
      model: "o4-mini-2025-04-16",
      usage: {
        prompt_tokens: 1200,
        completion_tokens: 900,
        total_tokens: 2100,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 640, audio_tokens: 0 },
      },
    };
    assert.deepEqual(
      normalizeUsage("openai", response),
      usage({
        model: "o4-mini-2025-04-16",
        inputTokens: 1200,
        outputTokens: 900,
        cacheReadTokens: 0,
        reasoningTokens: 640,
      }),
    );
  });

  it("leaves details an older response lacks null, not 0", () => {
    const response = {
      model: "gpt-3.5-turbo-0125",
      usage: { prompt_tokens: 57, completion_tokens: 17, total_tokens: 74 },
    };
    assert.deepEqual(
      normalizeUsage("openai", response),
      usage({ model: "gpt-3.5-turbo-0125", inputTokens: 57, outputTokens: 17 }),
    );
  });

  const responses = {
    id: "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b",
    object: "response",
    created_at: 1741476542,
    status: "completed",
    model: "gpt-5-2025-08-07",
    output: [{
      type: "message",
      id: "msg_67ccd2bf17f0819081ff3bb2cf6508e6",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: "Hi", annotations: [] }],
    }],
    usage: {
      input_tokens: 3500,
      input_tokens_details: { cached_tokens: 3072 },
      output_tokens: 1200,
      output_tokens_details: { reasoning_tokens: 896 },
      total_tokens: 4700,
    },
  };
  const responsesUsage = usage({
    model: "gpt-5-2025-08-07",
    inputTokens: 3500,
    outputTokens: 1200,
    cacheReadTokens: 3072,
    reasoningTokens: 896,
  });

  it("tells the Responses API from chat completions by its fields", () => {
    assert.deepEqual(normalizeUsage("openai", responses), responsesUsage);
  });

  it("follows the flavour it is given", () => {
    assert.deepEqual(
      normalizeUsage("openai", responses, { apiFlavor: "responses" }),
      responsesUsage,
    );
    // Chat completions have no `input_tokens`: nothing of it is read.
    assert.deepEqual(
      normalizeUsage("openai", responses, { apiFlavor: "chat" }),
      usage({ model: "gpt-5-2025-08-07" }),
    );
  });

  it("reads embeddings, which have no output", () => {
    const response = {
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2] }],
      model: "text-embedding-3-small",
      usage: { prompt_tokens: 8, total_tokens: 8 },
    };
    assert.deepEqual(
      normalizeUsage("openai", response),
      usage({ model: "text-embedding-3-small", inputTokens: 8 }),
    );
  });

  it("rejects a flavour the provider does not have", () => {
    assert.throws(
      () => normalizeUsage("openai", chat, { apiFlavor: "messages" }),
      (error: unknown) =>
        error instanceof InvalidInputError && error.field === "apiFlavor" &&
        /"chat"/.test(error.message),
    );
  });
});

describe("normalizeUsage: Anthropic", () => {
  const message = {
    id: "msg_01XFDUDYJgAACzvnptvVoYEL",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5-20250929",
    content: [{ type: "text", text: "Hello!" }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: {
      input_tokens: 12,
      cache_creation_input_tokens: 1500,
      cache_read_input_tokens: 8000,
      cache_creation: {
        ephemeral_5m_input_tokens: 1500,
        ephemeral_1h_input_tokens: 0,
      },
      output_tokens: 420,
      service_tier: "standard",
    },
  };

  it("adds cache reads and writes to the input", () => {
    assert.deepEqual(
      normalizeUsage("anthropic", message),
      usage({
        model: "claude-sonnet-4-5-20250929",
        inputTokens: 12 + 1500 + 8000,
        outputTokens: 420,
        cacheReadTokens: 8000,
        cacheWriteTokens: 1500,
      }),
    );
  });

  it("keeps zeros of a call that used no cache", () => {
    const response = {
      model: "claude-haiku-4-5",
      usage: {
        input_tokens: 300,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 25,
      },
    };
    assert.deepEqual(
      normalizeUsage("anthropic", response),
      usage({
        model: "claude-haiku-4-5",
        inputTokens: 300,
        outputTokens: 25,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
      }),
    );
  });

  it("takes null cache fields as not reported", () => {
    const response = {
      model: "claude-3-5-haiku-20241022",
      usage: {
        input_tokens: 300,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: null,
        output_tokens: 25,
      },
    };
    assert.deepEqual(
      normalizeUsage("anthropic", response),
      usage({
        model: "claude-3-5-haiku-20241022",
        inputTokens: 300,
        outputTokens: 25,
      }),
    );
  });

  it("reads a streamed message_delta, which has only the output", () => {
    const event = {
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: 15 },
    };
    assert.deepEqual(
      normalizeUsage("anthropic", event),
      usage({ outputTokens: 15 }),
    );
  });

  it("reads the OpenAI-compatible endpoint by its fields", () => {
    const response = {
      model: "claude-sonnet-4-5",
      usage: { prompt_tokens: 40, completion_tokens: 9, total_tokens: 49 },
    };
    assert.deepEqual(
      normalizeUsage("anthropic", response),
      usage({ model: "claude-sonnet-4-5", inputTokens: 40, outputTokens: 9 }),
    );
  });
});

describe("normalizeUsage: Google Gemini", () => {
  const response = {
    candidates: [{
      content: { parts: [{ text: "Hi" }], role: "model" },
      finishReason: "STOP",
      index: 0,
    }],
    usageMetadata: {
      promptTokenCount: 12000,
      candidatesTokenCount: 450,
      totalTokenCount: 13650,
      cachedContentTokenCount: 10240,
      thoughtsTokenCount: 1200,
      promptTokensDetails: [{ modality: "TEXT", tokenCount: 12000 }],
      cacheTokensDetails: [{ modality: "TEXT", tokenCount: 10240 }],
    },
    modelVersion: "gemini-2.5-pro",
    responseId: "mAitaLmkHPPlz7IPvtfUqQ4",
  };
  const expected = usage({
    model: "gemini-2.5-pro",
    inputTokens: 12000,
    outputTokens: 450 + 1200,
    cacheReadTokens: 10240,
    reasoningTokens: 1200,
  });

  it("adds the thoughts to the output; the cache is inside the prompt", () => {
    assert.deepEqual(normalizeUsage("google", response), expected);
  });

  it("answers to gemini too", () => {
    assert.deepEqual(normalizeUsage("gemini", response), expected);
  });

  it("leaves what a response without thinking or cache lacks null", () => {
    const plain = {
      modelVersion: "gemini-2.0-flash",
      usageMetadata: {
        promptTokenCount: 8,
        candidatesTokenCount: 120,
        totalTokenCount: 128,
      },
    };
    assert.deepEqual(
      normalizeUsage("google", plain),
      usage({ model: "gemini-2.0-flash", inputTokens: 8, outputTokens: 120 }),
    );
  });
});

describe("normalizeUsage: Bedrock", () => {
  const converse = {
    output: {
      message: { role: "assistant", content: [{ text: "Hello" }] },
    },
    stopReason: "end_turn",
    usage: {
      inputTokens: 25,
      outputTokens: 310,
      totalTokens: 4335,
      cacheReadInputTokens: 3000,
      cacheWriteInputTokens: 1000,
    },
    metrics: { latencyMs: 2100 },
  };
  const expected = usage({
    inputTokens: 25 + 3000 + 1000,
    outputTokens: 310,
    cacheReadTokens: 3000,
    cacheWriteTokens: 1000,
  });

  it("adds cache reads and writes to Converse's input", () => {
    assert.deepEqual(normalizeUsage("bedrock", converse), expected);
    assert.deepEqual(normalizeUsage("aws", converse), expected);
  });

  it("reads an InvokeModel body in Anthropic's shape", () => {
    const body = {
      id: "msg_bdrk_01",
      type: "message",
      model: "claude-sonnet-4-5-20250929",
      usage: {
        input_tokens: 10,
        cache_read_input_tokens: 200,
        cache_creation_input_tokens: 0,
        output_tokens: 30,
      },
    };
    assert.deepEqual(
      normalizeUsage("bedrock", body),
      usage({
        model: "claude-sonnet-4-5-20250929",
        inputTokens: 210,
        outputTokens: 30,
        cacheReadTokens: 200,
        cacheWriteTokens: 0,
      }),
    );
  });
});

describe("normalizeUsage: OpenTelemetry attributes", () => {
  it("reads the current names", () => {
    const attributes = {
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "anthropic",
      "gen_ai.request.model": "claude-sonnet-4-5",
      "gen_ai.response.model": "claude-sonnet-4-5-20250929",
      "gen_ai.usage.input_tokens": 9512,
      "gen_ai.usage.output_tokens": 420,
      "gen_ai.usage.cache_read.input_tokens": 8000,
      "gen_ai.usage.cache_creation.input_tokens": 1500,
      "gen_ai.usage.reasoning.output_tokens": 100,
    };
    assert.deepEqual(
      normalizeUsage("otel", attributes),
      usage({
        model: "claude-sonnet-4-5-20250929",
        inputTokens: 9512,
        outputTokens: 420,
        cacheReadTokens: 8000,
        cacheWriteTokens: 1500,
        reasoningTokens: 100,
      }),
    );
  });

  it("reads the cache_write spelling and the request's model", () => {
    const attributes = {
      "gen_ai.request.model": "gpt-5",
      "gen_ai.usage.input_tokens": 3500,
      "gen_ai.usage.output_tokens": 1200,
      "gen_ai.usage.cache_read.input_tokens": 3072,
      "gen_ai.usage.cache_write.input_tokens": 0,
      "gen_ai.usage.reasoning.output_tokens": 896,
    };
    assert.deepEqual(
      normalizeUsage("OTel", attributes),
      usage({
        model: "gpt-5",
        inputTokens: 3500,
        outputTokens: 1200,
        cacheReadTokens: 3072,
        cacheWriteTokens: 0,
        reasoningTokens: 896,
      }),
    );
  });

  it("reads the older names", () => {
    const attributes = {
      "gen_ai.system": "openai",
      "gen_ai.request.model": "gpt-4o",
      "gen_ai.usage.prompt_tokens": 100,
      "gen_ai.usage.completion_tokens": 20,
      "gen_ai.usage.cache_read_input_tokens": 64,
      "gen_ai.usage.cache_creation_input_tokens": 16,
      "gen_ai.usage.reasoning_tokens": 5,
    };
    assert.deepEqual(
      normalizeUsage("otel", attributes),
      usage({
        model: "gpt-4o",
        inputTokens: 100,
        outputTokens: 20,
        cacheReadTokens: 64,
        cacheWriteTokens: 16,
        reasoningTokens: 5,
      }),
    );
  });

  it("lets the first name that is set decide", () => {
    const attributes = {
      "gen_ai.usage.input_tokens": "100",
      "gen_ai.usage.prompt_tokens": 100,
      "gen_ai.usage.output_tokens": null,
      "gen_ai.usage.completion_tokens": 20,
    };
    assert.deepEqual(
      normalizeUsage("otel", attributes),
      usage({ outputTokens: 20 }),
    );
  });
});

describe("normalizeUsage: a provider the library does not know", () => {
  it("tries the OpenAI, Anthropic, Gemini and Bedrock shapes", () => {
    assert.deepEqual(
      normalizeUsage("my-gateway", {
        model: "llama-3.3-70b",
        usage: {
          prompt_tokens: 10,
          completion_tokens: 5,
          prompt_tokens_details: { cached_tokens: 4 },
        },
      }),
      usage({
        model: "llama-3.3-70b",
        inputTokens: 10,
        outputTokens: 5,
        cacheReadTokens: 4,
      }),
    );
    assert.deepEqual(
      normalizeUsage("my-gateway", {
        model: "claude-x",
        usage: {
          input_tokens: 10,
          cache_read_input_tokens: 90,
          cache_creation_input_tokens: 0,
          output_tokens: 5,
        },
      }),
      usage({
        model: "claude-x",
        inputTokens: 100,
        outputTokens: 5,
        cacheReadTokens: 90,
        cacheWriteTokens: 0,
      }),
    );
    assert.deepEqual(
      normalizeUsage("", {
        usageMetadata: { promptTokenCount: 7, candidatesTokenCount: 3 },
      }),
      usage({ inputTokens: 7, outputTokens: 3 }),
    );
  });

  it("gives nulls for anything else", () => {
    assert.deepEqual(
      normalizeUsage("my-gateway", { tokens: { in: 10, out: 5 } }),
      NOTHING,
    );
  });
});

describe("normalizeUsage: malformed input", () => {
  it("gives nulls for what is not an object, and never throws", () => {
    const bodies: unknown[] = [
      undefined,
      null,
      "{}",
      42,
      [],
      [{ usage: { prompt_tokens: 1 } }],
      {},
      { usage: null },
      { usage: "10" },
      { usage: [] },
      { usageMetadata: 12 },
      { usage: { prompt_tokens_details: null } },
    ];
    for (const provider of ["openai", "anthropic", "google", "aws", "otel"]) {
      for (const body of bodies) {
        assert.deepEqual(
          normalizeUsage(provider, body),
          NOTHING,
          `${provider}: ${JSON.stringify(body)}`,
        );
      }
    }
  });

  it("keeps the model of a response without usage", () => {
    assert.deepEqual(
      normalizeUsage("openai", { model: "gpt-4o", choices: [] }),
      usage({ model: "gpt-4o" }),
    );
    assert.equal(normalizeUsage("openai", { model: 42 }).model, null);
    assert.equal(normalizeUsage("openai", { model: "" }).model, null);
  });

  it("makes a negative, fractional or non-numeric count null", () => {
    assert.deepEqual(
      normalizeUsage("openai", {
        usage: {
          prompt_tokens: -5,
          completion_tokens: 12.5,
          prompt_tokens_details: { cached_tokens: 2 },
          completion_tokens_details: { reasoning_tokens: 1 },
        },
      }),
      NOTHING,
    );
    assert.deepEqual(
      normalizeUsage("anthropic", {
        usage: { input_tokens: "100", output_tokens: 7 },
      }),
      usage({ outputTokens: 7 }),
    );
    assert.deepEqual(
      normalizeUsage("otel", {
        "gen_ai.usage.input_tokens": Number.NaN,
        "gen_ai.usage.output_tokens": Number.POSITIVE_INFINITY,
        "gen_ai.usage.cache_read.input_tokens": -1,
        "gen_ai.usage.reasoning.output_tokens": true,
      }),
      NOTHING,
    );
  });

  it("makes a total built from a malformed field null", () => {
    // Anthropic's input is the sum of three fields; with one unreadable the
    // sum is unknown, though the other fields still are what they are.
    assert.deepEqual(
      normalizeUsage("anthropic", {
        usage: {
          input_tokens: 100,
          cache_read_input_tokens: -30,
          cache_creation_input_tokens: 20,
          output_tokens: 50,
        },
      }),
      usage({ outputTokens: 50 }),
    );
    assert.deepEqual(
      normalizeUsage("google", {
        usageMetadata: {
          promptTokenCount: 100,
          candidatesTokenCount: 40,
          thoughtsTokenCount: "10",
        },
      }),
      usage({ inputTokens: 100 }),
    );
  });

  it("drops details that cannot belong to their total", () => {
    assert.deepEqual(
      normalizeUsage("openai", {
        usage: {
          prompt_tokens: 2000,
          completion_tokens: 100,
          prompt_tokens_details: { cached_tokens: 3000 },
          completion_tokens_details: { reasoning_tokens: 101 },
        },
      }),
      usage({ inputTokens: 2000, outputTokens: 100 }),
    );
    assert.deepEqual(
      normalizeUsage("otel", {
        "gen_ai.usage.input_tokens": 100,
        "gen_ai.usage.cache_read.input_tokens": 80,
        "gen_ai.usage.cache_creation.input_tokens": 30,
        "gen_ai.usage.reasoning.output_tokens": 5,
      }),
      usage({ inputTokens: 100 }),
    );
  });

  it("does not read inherited properties", () => {
    const inherited = Object.create({ usage: { prompt_tokens: 1 } });
    assert.deepEqual(normalizeUsage("openai", inherited), NOTHING);
  });
});
