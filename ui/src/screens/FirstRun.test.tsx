import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { FirstRun } from "./FirstRun";

const me = { user: { id: "u1", name: "Ana Silva", role: "responder", tier: 1 }, device: "d1", fingerprint: null, data_dir: "/data" };

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("first run", () => {
  it("creates the profile through the generated command, then offers the demo", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "init_profile") return me;
      if (cmd === "load_demo") return { profile: "Ana Silva", incidents: ["INC-AAAAAA"] };
      if (cmd === "me") return me;
    });
    let done: unknown = null;
    render(<FirstRun dataDir="/data" onDone={(m) => (done = m)} />);
    fireEvent.input(screen.getByPlaceholderText("e.g. Ana Silva"), { target: { value: "Ana Silva" } });
    fireEvent.click(screen.getByLabelText("Encrypt this laptop's cases"));
    fireEvent.click(screen.getByTestId("create-profile"));
    await screen.findByTestId("offer-demo");
    expect(calls[0]).toEqual(["init_profile", { input: { name: "Ana Silva", role: "responder", tier: 1, passphrase: null, remember: false } }]);
    fireEvent.click(screen.getByTestId("load-demo"));
    await waitFor(() => expect(done).toEqual(me));
    expect(calls.map((c) => c[0])).toEqual(["init_profile", "load_demo", "me"]);
  });

  it("encrypts by default with the passphrase typed twice", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return me;
    });
    render(<FirstRun dataDir="/data" onDone={() => {}} />);
    expect((screen.getByLabelText("Encrypt this laptop's cases") as HTMLInputElement).checked).toBe(true);
    fireEvent.input(screen.getByPlaceholderText("e.g. Ana Silva"), { target: { value: "Ana Silva" } });
    fireEvent.input(screen.getByLabelText("Passphrase"), { target: { value: "violet anchor 42" } });
    fireEvent.input(screen.getByLabelText("Passphrase again"), { target: { value: "violet anchor 24" } });
    fireEvent.click(screen.getByTestId("create-profile"));
    expect((await screen.findByRole("alert")).textContent).toMatch(/not the same/);
    expect(calls).toEqual([]);
    fireEvent.input(screen.getByLabelText("Passphrase again"), { target: { value: "violet anchor 42" } });
    fireEvent.click(screen.getByTestId("create-profile"));
    await screen.findByTestId("offer-demo");
    expect(calls[0]).toEqual(["init_profile", { input: { name: "Ana Silva", role: "responder", tier: 1, passphrase: "violet anchor 42", remember: false } }]);
  });

  it("shows the backend's message when the profile is refused", async () => {
    mockIPC(() => {
      throw { code: "invalid_input", message: "a name is needed", hint: null };
    });
    render(<FirstRun dataDir="/data" onDone={() => {}} />);
    fireEvent.click(screen.getByLabelText("Encrypt this laptop's cases"));
    fireEvent.click(screen.getByTestId("create-profile"));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("a name is needed");
    expect(alert.getAttribute("data-code")).toBe("invalid_input");
  });
});
