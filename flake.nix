{
  description = "Reprise: a self-hosted Discord music bot";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    flake-utils.url = "github:numtide/flake-utils";
  };

  outputs = { self, nixpkgs, flake-utils }:
    flake-utils.lib.eachDefaultSystem (system:
      let
        pkgs = import nixpkgs { inherit system; };
      in
      {
        # `nix develop`: Node 24, ffmpeg, yt-dlp, PostgreSQL, and what @discordjs/opus needs to build.
        devShells.default = pkgs.mkShell {
          packages = [
            pkgs.nodejs_24
            pkgs.ffmpeg
            pkgs.yt-dlp
            pkgs.postgresql_16
            pkgs.python3
            pkgs.gnumake
            pkgs.gcc
            pkgs.pkg-config
            pkgs.openssl
          ];
          shellHook = ''
            # Use the yt-dlp from Nix rather than letting youtube-dl-exec download its own.
            export YOUTUBE_DL_SKIP_DOWNLOAD=1
            export YTDLP_PATH=${pkgs.yt-dlp}/bin/yt-dlp
            export FFMPEG_PATH=${pkgs.ffmpeg}/bin/ffmpeg
            # Node's own headers, so native addons build against the Node that runs them.
            export npm_config_nodedir=${pkgs.nodejs_24}
            echo "Reprise dev shell: node $(node --version), $(ffmpeg -version | head -n 1 | cut -d' ' -f1-3)"
          '';
        };
      });
}
