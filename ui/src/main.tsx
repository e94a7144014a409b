import { render } from "preact";
import { App } from "./App";
import "./styles.css";

document.documentElement.dataset.theme = localStorage.getItem("casebook.theme") ?? "dark";
render(<App />, document.getElementById("app")!);
