"""The ceiling: a bare Flask app served the same way as the catalogue."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def hello():
    return jsonify({"hello": "world"})
