import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { Unlock } from "./Unlock";

afterEach(() => {
  cleanup();
  clearMocks();
});

const opened = { data_dir: "/data", encrypted: true, locked: false, initialized: true };

describe("unlock screen", () => {
  it("sends the passphrase and hands on the unlocked startup", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return opened;
    });
    let got: unknown = null;
    render(<Unlock dataDir="/data" onUnlocked={(s) => (got = s)} />);
    fireEvent.input(screen.getByTestId("unlock-passphrase"), { target: { value: "violet anchor 42" } });
    fireEvent.submit(screen.getByTestId("unlock").closest("form")!);
    await waitFor(() => expect(got).toEqual(opened));
    expect(calls).toEqual([["unlock", { passphrase: "violet anchor 42" }]]);
  });

  it("says plainly that a wrong passphrase does not unlock, and stays locked", async () => {
    mockIPC(() => {
      throw { code: "wrong_passphrase", message: "the passphrase does not unlock this data directory", hint: null };
    });
    let got: unknown = null;
    render(<Unlock dataDir="/data" onUnlocked={(s) => (got = s)} />);
    fireEvent.input(screen.getByTestId("unlock-passphrase"), { target: { value: "not it" } });
    fireEvent.submit(screen.getByTestId("unlock").closest("form")!);
    const alert = await screen.findByTestId("unlock-error");
    expect(alert.textContent).toBe("That passphrase does not unlock this case folder.");
    expect(got).toBeNull();
  });
});
